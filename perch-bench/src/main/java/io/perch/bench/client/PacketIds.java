package io.perch.bench.client;

/**
 * Packet identifiers 1..65535 for one publisher. A bitset and a rotating cursor: acks mostly
 * come back in order, so the slot after the cursor is almost always free and acquire is O(1)
 * in practice; the window (at most 65535) guarantees a free id exists. Owned by one event loop.
 */
final class PacketIds {
    private final long[] used = new long[1024];
    private int cursor;
    private int inUse;

    /** A free id, now marked in use; fails if all 65535 are taken. */
    int acquire() {
        if (inUse >= 65535) {
            throw new IllegalStateException("all 65535 packet ids are in flight");
        }
        while (true) {
            cursor = cursor == 65535 ? 1 : cursor + 1;
            long bit = 1L << cursor;
            int word = cursor >>> 6;
            if ((used[word] & bit) == 0) {
                used[word] |= bit;
                inUse++;
                return cursor;
            }
        }
    }

    /** Frees {@code id}; false when it was not in use (an ack the bench did not expect). */
    boolean release(int id) {
        if (id < 1 || id > 65535) {
            return false;
        }
        long bit = 1L << id;
        int word = id >>> 6;
        if ((used[word] & bit) == 0) {
            return false;
        }
        used[word] &= ~bit;
        inUse--;
        return true;
    }

    boolean isUsed(int id) {
        return id >= 1 && id <= 65535 && (used[id >>> 6] & (1L << id)) != 0;
    }

    int inUse() {
        return inUse;
    }
}
