package io.perch.broker.core;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Clients (by client id, or by IP address before a connection is accepted) that recently sent
 * something malformed or broke the protocol, so that each is logged once per window rather than
 * once per packet or connection: a fuzzer or a broken device otherwise floods the log. Bounded:
 * at most {@code capacity} entries, the oldest forgotten first, and none older than the window.
 *
 * <p>Owned by {@link BrokerCore}; called from every I/O event loop, and only on error paths,
 * so one lock (this object's monitor) guards the map.
 */
public final class RecentOffenders {
    public static final int CAPACITY = 4096;
    public static final long WINDOW_NANOS = 10L * 60 * 1_000_000_000;

    private final int capacity;
    private final long windowNanos;
    private final LongSupplier clock;
    /** key to when it was first logged in its window, oldest first (insertion order). */
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

    public RecentOffenders() {
        this(CAPACITY, WINDOW_NANOS, System::nanoTime);
    }

    RecentOffenders(int capacity, long windowNanos, LongSupplier clock) {
        this.capacity = capacity;
        this.windowNanos = windowNanos;
        this.clock = clock;
    }

    /** True when {@code key} was not seen within the window (it is remembered from now on): log it. */
    public synchronized boolean firstInWindow(String key) {
        long now = clock.getAsLong();
        forgetExpired(now);
        Long since = seen.get(key);
        if (since != null) {
            return false;
        }
        if (seen.size() >= capacity) {
            Iterator<String> oldest = seen.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        seen.put(key, now);
        return true;
    }

    synchronized int size() {
        return seen.size();
    }

    private void forgetExpired(long now) {
        Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
        while (it.hasNext()) {
            if (now - it.next().getValue() < windowNanos) {
                return; // insertion order is time order: the rest are younger
            }
            it.remove();
        }
    }
}
