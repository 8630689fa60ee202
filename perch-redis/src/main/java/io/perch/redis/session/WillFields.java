package io.perch.redis.session;

import io.perch.broker.message.Message;
import io.perch.broker.persist.StoredSession;
import io.perch.redis.codec.Compat;
import io.perch.redis.codec.MessageHash;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * A will inside {@code perch:session:{cid}}: the fields {@link MessageHash} writes for a message,
 * each prefixed {@code will.}, and {@code will.delay} (seconds). Setting a will first deletes
 * every field a will can have, since the optional ones differ from will to will. Stateless; any thread.
 */
final class WillFields {
    static final String PREFIX = "will.";
    static final byte[] DELAY = utf8(PREFIX + "delay");
    /** Every field a stored message can have (the seed's seven, then OptionalFields'), plus the delay. */
    static final byte[][] ALL = names("id", "from", "qos", "topic", "payload", "ts", "retain", "expires_at",
            "payload_format", "content_type", "response_topic", "correlation_data", "user_properties", "delay");

    private WillFields() {
    }

    private static byte[][] names(String... fields) {
        byte[][] out = new byte[fields.length][];
        for (int i = 0; i < fields.length; i++) {
            out[i] = utf8(PREFIX + fields[i]);
        }
        return out;
    }

    /** Field/value pairs for HSET. */
    static List<byte[]> fields(Message will, long delaySeconds, Compat compat) {
        List<byte[]> kv = MessageHash.fields(will, compat);
        List<byte[]> out = new ArrayList<>(kv.size() + 2);
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            out.add(utf8(PREFIX + str(kv.get(i))));
            out.add(kv.get(i + 1));
        }
        out.add(DELAY);
        out.add(utf8(Long.toString(delaySeconds)));
        return out;
    }

    /** The will in a session hash (field names as text), or null when it has none (or it expired). */
    static StoredSession.StoredWill read(Map<String, byte[]> session) {
        byte[] delay = session.get(PREFIX + "delay");
        if (delay == null) {
            return null;
        }
        Map<byte[], byte[]> msg = new LinkedHashMap<>();
        session.forEach((k, v) -> {
            if (k.startsWith(PREFIX) && !k.equals(PREFIX + "delay")) {
                msg.put(utf8(k.substring(PREFIX.length())), v);
            }
        });
        Optional<Message> m = MessageHash.read(msg, null);
        return m.map(message -> new StoredSession.StoredWill(message, Long.parseLong(str(delay)))).orElse(null);
    }
}
