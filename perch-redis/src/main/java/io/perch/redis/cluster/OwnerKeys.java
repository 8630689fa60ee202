package io.perch.redis.cluster;

import static io.perch.redis.codec.Keys.utf8;

/**
 * The keys of client ownership. The owner hash carries the client id as its hash tag, like the
 * session keys ({@code perch:session:{id}}), so that the session store's fence and the
 * client's writes share a slot on Cluster. Stateless; any thread.
 */
public final class OwnerKeys {
    private OwnerKeys() {
    }

    /** Hash {@code node} (the owner, absent while nobody owns the client) and {@code epoch} (only grows). */
    public static byte[] owner(String clientId) {
        return utf8("perch:owner:{" + clientId + "}");
    }

    /** Set of the client ids {@code node} owns. */
    public static byte[] owned(String node) {
        return utf8("perch:cluster:owned:" + node);
    }
}
