package io.perch.broker.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Messages waiting for a session's window (or for the client to come back), bounded by
 * {@code max_mqueue_len} (0 = unbounded). When full, a queued QoS 0 message is dropped first,
 * else the new message. Guarded by the owning session's monitor.
 */
final class SessionQueue implements Iterable<Pending> {
    // Two slots, growing on demand: most sessions of a large fleet never queue anything (the
    // default 16 slots cost 64 bytes more per connection).
    private final ArrayDeque<Pending> queue = new ArrayDeque<>(1);
    private final int max;

    SessionQueue(int max) {
        this.max = max;
    }

    /** Adds the message; returns the one dropped to make room (possibly this one), or null. */
    Pending add(Pending p) {
        if (max <= 0 || queue.size() < max) {
            queue.add(p);
            return null;
        }
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending q = it.next();
            if (q.qos() == 0) {
                it.remove();
                queue.add(p);
                return q;
            }
        }
        return p;
    }

    Pending peek() {
        return queue.peek();
    }

    Pending poll() {
        return queue.poll();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /** Replaces each queued message with what {@code f} makes of it, in place and in order. */
    void replaceAll(java.util.function.UnaryOperator<Pending> f) {
        int n = queue.size();
        for (int i = 0; i < n; i++) {
            queue.add(f.apply(queue.poll()));
        }
    }

    /** Removes and returns everything, in order. */
    List<Pending> drain() {
        List<Pending> all = new ArrayList<>(queue);
        queue.clear();
        return all;
    }

    @Override
    public Iterator<Pending> iterator() {
        return queue.iterator();
    }
}
