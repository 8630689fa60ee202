package io.perch.broker.session;

import io.perch.broker.message.MessageId;

/**
 * The ids of the last {@value #SIZE} messages a client acknowledged, in a ring allocated on the
 * first ack. Guarded by the owning session's monitor.
 */
final class RecentAcks {
    static final int SIZE = 64;
    private long[] ids;
    private int next;

    void remember(MessageId id) {
        if (id == null) {
            return;
        }
        if (ids == null) {
            ids = new long[SIZE * 2];
        }
        ids[next] = id.hi();
        ids[next + 1] = id.lo();
        next = (next + 2) % ids.length;
    }

    boolean contains(MessageId id) {
        if (ids == null) {
            return false;
        }
        for (int i = 0; i < ids.length; i += 2) {
            if (ids[i] == id.hi() && ids[i + 1] == id.lo()) {
                return true;
            }
        }
        return false;
    }
}
