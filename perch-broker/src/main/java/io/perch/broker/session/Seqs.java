package io.perch.broker.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The seq a durable session gives a message it accepts: increasing on this node, and never
 * behind the clock in microseconds. The store keeps a session's messages in seq order, so seqs
 * made on different nodes must compare as the messages came: when a session moves between
 * nodes (cluster), what both stored for it is loaded in the order it arrived, within the
 * clocks' skew. Stateless; the counter is the broker's.
 */
public final class Seqs {
    private Seqs() {
    }

    public static long next(AtomicLong seqs) {
        long now = System.currentTimeMillis() * 1000;
        while (true) { // a CAS loop rather than updateAndGet: no capturing lambda on the publish path
            long prev = seqs.get();
            long next = Math.max(prev + 1, now);
            if (seqs.compareAndSet(prev, next)) {
                return next;
            }
        }
    }

    /** A session loaded with seqs up to {@code highest}: later ones come after them. */
    public static void seen(AtomicLong seqs, long highest) {
        seqs.accumulateAndGet(highest, Math::max);
    }
}
