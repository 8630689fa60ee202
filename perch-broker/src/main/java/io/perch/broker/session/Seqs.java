package io.perch.broker.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The seq a durable session gives a message it accepts: the store keys a session's messages by
 * it ({@code perch:out:{cid}} field) and loads them in its order. A seq is the clock in
 * microseconds (never behind it, increasing on this node) shifted left by {@link #WRITER_BITS},
 * with this node's writer id in the low bits. In a cluster, two nodes can write for one session
 * while it moves between them: the writer id keeps their seqs apart (the same microsecond on two
 * nodes would otherwise overwrite one message with another), and the clock makes them compare
 * as the messages came, within the clocks' skew. Stateless: the counter (and with it the writer
 * id, in its low bits) is the broker's.
 */
public final class Seqs {
    /** Low bits of a seq that name the writing node: 0 on a single node, 1-1023 in a cluster. */
    public static final int WRITER_BITS = 10;
    private static final long WRITER_MASK = (1L << WRITER_BITS) - 1;

    private Seqs() {
    }

    /** A counter for a broker that writes as {@code writer} (0 until a cluster gives it one). */
    public static AtomicLong counter() {
        return new AtomicLong(System.currentTimeMillis() * 1000 << WRITER_BITS);
    }

    public static long next(AtomicLong seqs) {
        long now = System.currentTimeMillis() * 1000;
        while (true) { // a CAS loop rather than updateAndGet: no capturing lambda on the publish path
            long prev = seqs.get();
            long next = (Math.max((prev >> WRITER_BITS) + 1, now) << WRITER_BITS) | (prev & WRITER_MASK);
            if (seqs.compareAndSet(prev, next)) {
                return next;
            }
        }
    }

    /**
     * Reserves the next {@code count} seqs (the counter jumps past them) and returns the first;
     * the others follow it by {@link #step()}. Every seq given later is above them all.
     */
    public static long reserve(AtomicLong seqs, long count) {
        long first = next(seqs);
        while (true) {
            long prev = seqs.get();
            long next = prev + (count << WRITER_BITS);
            if (seqs.compareAndSet(prev, next)) {
                return first;
            }
        }
    }

    /**
     * The seq with writer id 0, which no cluster node writes as (they are 1-1023): what a node
     * stores for a dead node's sessions from its inbox does not count as its own in a load
     * (see {@code RedisSessionPersistence} on takeovers).
     */
    public static long asNoWriter(long seq) {
        return seq & ~WRITER_MASK;
    }

    /** From one seq of a node to its next. */
    public static long step() {
        return 1L << WRITER_BITS;
    }

    /** A session loaded with seqs up to {@code highest}: later ones come after them. */
    public static void seen(AtomicLong seqs, long highest) {
        while (true) {
            long prev = seqs.get();
            long base = Math.max(prev >> WRITER_BITS, highest >> WRITER_BITS);
            long next = (base << WRITER_BITS) | (prev & WRITER_MASK);
            if (next == prev || seqs.compareAndSet(prev, next)) {
                return;
            }
        }
    }

    /** This node writes as {@code writer} (0-1023) from now on; set before clients come. */
    public static void writer(AtomicLong seqs, int writer) {
        if (writer < 0 || writer > WRITER_MASK) {
            throw new IllegalArgumentException("writer id " + writer + " is not within 0-" + WRITER_MASK);
        }
        while (true) {
            long prev = seqs.get();
            long next = (prev & ~WRITER_MASK) | writer;
            if (seqs.compareAndSet(prev, next)) {
                return;
            }
        }
    }
}
