package io.perch.broker.stats;

import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether one limit is refusing connections, so that its log says when refusing starts (WARN)
 * and when connections are accepted again (INFO): one line per change of state, never one per
 * refused connection. Touched by every I/O event loop, hence the atomic flag. Also used for
 * the stored-session limit (mqtt.max_stored_sessions), whose CONNECTs are refused the same way;
 * here, beside the counters, so that the session package below the wire can use it too.
 */
public final class RefusalState {
    private final AtomicBoolean refusing = new AtomicBoolean();
    private final Logger log;
    private final String limit;
    private final String what;

    /** @param limit names the limit in the log, e.g. "node.max_connections 1000" */
    public RefusalState(Logger log, String limit) {
        this(log, limit, "new connections");
    }

    /** @param what what is refused and accepted again, e.g. "new persistent sessions" */
    public RefusalState(Logger log, String limit, String what) {
        this.log = log;
        this.limit = limit;
        this.what = what;
    }

    public void refused() {
        if (!refusing.get() && refusing.compareAndSet(false, true)) {
            log.warn("{} reached: refusing {}", limit, what);
        }
    }

    /**
     * A connection closed (a place was freed), leaving {@code open} of {@code max}. Refusing ends only once 5 % of
     * the places are free (at least one): a node held at its limit by reconnecting clients would
     * otherwise log a WARN and an INFO for every client that leaves and the next that takes its place.
     */
    public void released(int open, int max) {
        if (refusing.get() && open <= max - Math.max(1, max / 20) && refusing.compareAndSet(true, false)) {
            log.info("{}: accepting {} again", limit, what);
        }
    }
}
