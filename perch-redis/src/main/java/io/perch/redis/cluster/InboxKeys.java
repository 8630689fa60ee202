package io.perch.redis.cluster;

import static io.perch.redis.codec.Keys.utf8;

/** The inbox stream of each node and the one consumer group that reads it. Stateless; any thread. */
public final class InboxKeys {
    private InboxKeys() {
    }

    /** Every node reads its inbox in this group, as consumer = its own name. */
    public static final String GROUP = "perch";

    public static byte[] inbox(String node) {
        return utf8("perch:cluster:inbox:" + node);
    }
}
