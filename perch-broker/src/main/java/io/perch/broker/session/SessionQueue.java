package io.perch.broker.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Messages waiting for a session's window (or for the client to come back), bounded by
 * {@code max_mqueue_len} messages and {@code max_mqueue_bytes} payload bytes (0 = no bound).
 * When a new message would pass either bound, queued QoS 0 messages are dropped first, oldest
 * first, as many as make room; if dropping all of them would not, the new message is dropped
 * instead (and no QoS 0 goes for nothing). Guarded by the owning session's monitor.
 */
final class SessionQueue implements Iterable<Pending> {
    // Made at the first message queued, then growing on demand: most sessions of a large fleet
    // never queue anything (an empty deque costs 48 bytes per connection).
    private ArrayDeque<Pending> queue;
    private final int max;
    private final long maxBytes;
    /** Payload bytes of what is queued: kept in step by every method that adds or removes. */
    private long bytes;

    SessionQueue(int max) {
        this(max, 0);
    }

    SessionQueue(int max, long maxBytes) {
        this.max = max;
        this.maxBytes = maxBytes;
    }

    static long size(Pending p) {
        return p.message().payload().length;
    }

    /**
     * Adds the message; returns those dropped to make room (possibly just this one), in the
     * order they were queued, or an empty list (not allocated) when nothing was dropped.
     */
    /**
     * Queues a message held back behind a stored backlog ({@link BacklogHold}), whatever the
     * bounds: it was accepted (and its publisher answered) when it arrived, within the half of
     * the bounds the hold may use, and the backlog's half may be full now.
     */
    void addHeld(Pending p) {
        push(p, size(p));
    }

    List<Pending> add(Pending p) {
        long size = size(p);
        if (fits(size() + 1, bytes + size)) {
            push(p, size);
            return List.of();
        }
        if (queue == null) {
            return List.of(p); // nothing queued and the bounds refuse it alone
        }
        // How many queued QoS 0 messages (oldest first) would have to go for it to fit.
        int count = queue.size() + 1;
        long total = bytes + size;
        int victims = 0;
        for (Pending q : queue) {
            if (q.qos() == 0) {
                victims++;
                count--;
                total -= size(q);
                if (fits(count, total)) {
                    break;
                }
            }
        }
        if (!fits(count, total)) {
            return List.of(p);
        }
        List<Pending> dropped = new ArrayList<>(victims);
        for (Iterator<Pending> it = queue.iterator(); it.hasNext() && dropped.size() < victims; ) {
            Pending q = it.next();
            if (q.qos() == 0) {
                it.remove();
                bytes -= size(q);
                dropped.add(q);
            }
        }
        push(p, size);
        return dropped;
    }

    /**
     * Whether {@code p} fits while the queue stays within half of each bound (an empty queue
     * always takes one): what a stored backlog may fill, so that live messages arriving
     * meanwhile keep the other half and nothing is dropped for the backlog's sake.
     */
    boolean fitsInHalf(Pending p) {
        if (isEmpty()) {
            return true;
        }
        return (max <= 0 || queue.size() + 1 <= Math.max(1, max / 2))
                && (maxBytes <= 0 || bytes + size(p) <= maxBytes / 2);
    }

    private boolean fits(int count, long total) {
        return (max <= 0 || count <= max) && (maxBytes <= 0 || total <= maxBytes);
    }

    private void push(Pending p, long size) {
        if (queue == null) {
            queue = new ArrayDeque<>(1);
        }
        queue.add(p);
        bytes += size;
    }

    Pending peek() {
        return queue == null ? null : queue.peek();
    }

    Pending poll() {
        Pending p = queue == null ? null : queue.poll();
        if (p != null) {
            bytes -= size(p);
        }
        return p;
    }

    boolean isEmpty() {
        return queue == null || queue.isEmpty();
    }

    int size() {
        return queue == null ? 0 : queue.size();
    }

    /** Payload bytes queued. */
    long bytes() {
        return bytes;
    }

    /** Replaces each queued message with what {@code f} makes of it (same message), in place and in order. */
    void replaceAll(java.util.function.UnaryOperator<Pending> f) {
        int n = size();
        for (int i = 0; i < n; i++) {
            queue.add(f.apply(queue.poll()));
        }
    }

    /** Removes and returns, in order, the messages that match. */
    List<Pending> removeIf(Predicate<Pending> which) {
        List<Pending> removed = new ArrayList<>();
        if (queue == null) {
            return removed;
        }
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (which.test(p)) {
                it.remove();
                bytes -= size(p);
                removed.add(p);
            }
        }
        return removed;
    }

    /** Removes and returns everything, in order. */
    List<Pending> drain() {
        if (queue == null) {
            return new ArrayList<>(0);
        }
        List<Pending> all = new ArrayList<>(queue);
        queue.clear();
        bytes = 0;
        return all;
    }

    /** Read only: removing goes through {@link #poll} or {@link #removeIf}, which keep the byte count. */
    @Override
    public Iterator<Pending> iterator() {
        return queue == null ? Collections.emptyIterator() : Collections.unmodifiableCollection(queue).iterator();
    }
}
