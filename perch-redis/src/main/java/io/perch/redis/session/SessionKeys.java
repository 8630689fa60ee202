package io.perch.redis.session;

import static io.perch.redis.codec.Keys.utf8;

/**
 * The keys of the session store (docs/redis-backend.md, "Durable sessions"). Every key of one
 * client carries the client id as its hash tag, so a one-key-slot script per client is legal on
 * Cluster; message bodies and the three indexes are shared and live wherever their name hashes.
 * Stateless; any thread.
 */
final class SessionKeys {
    private SessionKeys() {
    }

    /** Sorted set of every stored client id, all at score 0, so restore pages through it by ZRANGEBYLEX. */
    static final byte[] SESSIONS = utf8("perch:sessions");
    /** Sorted set: client id -> epoch ms when its session expires (only disconnected, expiring ones). */
    static final byte[] EXPIRY = utf8("perch:expiry");
    /** Sorted set: client id -> epoch ms when its unsent will is due (+inf while its client is connected). */
    static final byte[] WILLS = utf8("perch:wills");

    /**
     * String: the highest clock reading (microseconds since the epoch) behind any seq or message
     * id a session write stored; raised by every such write, read at start (see
     * {@code RedisSessionPersistence.clockFloor}).
     */
    static final byte[] CLOCK = utf8("perch:clock");

    static byte[] session(String clientId) {
        return utf8("perch:session:{" + clientId + "}");
    }

    static byte[] subs(String clientId) {
        return utf8("perch:subs:{" + clientId + "}");
    }

    static byte[] out(String clientId) {
        return utf8("perch:out:{" + clientId + "}");
    }

    static byte[] rel(String clientId) {
        return utf8("perch:rel:{" + clientId + "}");
    }

    /**
     * String: the number of the last write of one store instance (one broker process) that Redis
     * applied, {@code kind} "w" for session writes and "r" for the releases after a session
     * delete; see {@code PseudoCommands.ONCE}. Expires a week after its last write.
     */
    static byte[] applied(String instance, String kind) {
        return utf8("perch:applied:" + instance + ":" + kind);
    }

    static final String BODY_PREFIX = "perch:msg:";

    /** A message body shared by every session that holds the message; {@code idText} as Compat writes ids. */
    static byte[] body(String idText) {
        return utf8(BODY_PREFIX + idText);
    }
}
