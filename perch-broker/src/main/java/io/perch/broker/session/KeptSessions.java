package io.perch.broker.session;

import io.perch.broker.stats.RefusalState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many sessions on this node outlive their connection (expiry above 0), in memory or
 * dormant in a durable store, bounded by mqtt.max_stored_sessions (0 = no bound). One per
 * broker; sessions on every event loop and the dormant set change it, hence atomic. Each
 * session (and each dormant entry) counts itself once, with a flag its own lock guards, so
 * the count is only as exact as those flags: a session moving from the store into memory is
 * briefly counted once too few, never twice.
 */
public final class KeptSessions {
    private static final Logger log = LoggerFactory.getLogger(KeptSessions.class);
    private final int max;
    private final AtomicInteger count = new AtomicInteger();
    private final RefusalState state;

    public KeptSessions(int max) {
        this.max = max;
        this.state = new RefusalState(log, "mqtt.max_stored_sessions " + max, "new persistent sessions");
    }

    /** For a new persistent session: counts it, or returns false (nothing counted) at the bound. */
    public boolean tryAdd() {
        if (max <= 0) {
            count.incrementAndGet();
            return true;
        }
        if (count.incrementAndGet() > max) {
            count.decrementAndGet();
            state.refused();
            return false;
        }
        return true;
    }

    /** A session that exists already starts to be kept (resumed, restored): never refused. */
    public void add() {
        count.incrementAndGet();
    }

    public void remove() {
        int n = count.decrementAndGet();
        if (max > 0) {
            state.released(n, max);
        }
    }

    public int count() {
        return count.get();
    }

    public int max() {
        return max;
    }
}
