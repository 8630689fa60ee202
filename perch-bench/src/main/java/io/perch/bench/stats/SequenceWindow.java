package io.perch.bench.stats;

/**
 * Classifies the sequence numbers one subscriber receives from one publisher as new, duplicate
 * or late (out of order), in constant memory.
 *
 * <p>It remembers the highest number seen and which of the {@link #WINDOW} numbers below it
 * have arrived. A number below the window cannot be classified exactly; it is counted as
 * out of order (a duplicate that old would need a broker retransmitting after more than
 * {@code WINDOW} newer messages, which the bench's inflight windows make very unlikely).
 * Not thread-safe: one instance is owned by one subscriber's event loop.
 */
public final class SequenceWindow {
    public static final int WINDOW = 4096;
    private static final int MASK = WINDOW - 1;

    /** What happened to one received number: out of order means it arrived after a higher one. */
    public enum Arrival { IN_ORDER, OUT_OF_ORDER, DUPLICATE }

    private final long[] seen = new long[WINDOW / 64];
    private long highest = -1;

    public Arrival accept(long seq) {
        if (seq > highest) {
            // Slots between the old highest and seq are numbers not (yet) received: clear them.
            long from = Math.max(highest + 1, seq - WINDOW + 1);
            for (long s = from; s < seq; s++) {
                clear(s);
            }
            set(seq);
            highest = seq;
            // A gap is not itself disorder: the skipped numbers are lost or late, and a late
            // one is counted when it arrives.
            return Arrival.IN_ORDER;
        }
        if (seq <= highest - WINDOW || seq < 0) {
            return Arrival.OUT_OF_ORDER;
        }
        if (isSet(seq)) {
            return Arrival.DUPLICATE;
        }
        set(seq);
        return Arrival.OUT_OF_ORDER;
    }

    public long highest() {
        return highest;
    }

    private void set(long seq) {
        int bit = (int) (seq & MASK);
        seen[bit >>> 6] |= 1L << bit;
    }

    private void clear(long seq) {
        int bit = (int) (seq & MASK);
        seen[bit >>> 6] &= ~(1L << bit);
    }

    private boolean isSet(long seq) {
        int bit = (int) (seq & MASK);
        return (seen[bit >>> 6] & (1L << bit)) != 0;
    }
}
