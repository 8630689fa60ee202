package io.perch.broker.transport;

import io.perch.broker.stats.RefusalState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node-wide connection limit (node.max_connections), counted across all listeners by their
 * {@link ConnectionCounter}s. Built once by the broker at start; the count is changed by every
 * I/O event loop, hence atomic.
 */
public final class NodeConnections {
    private static final Logger log = LoggerFactory.getLogger(NodeConnections.class);
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final RefusalState state;

    public NodeConnections(int max) {
        this.max = max;
        this.state = new RefusalState(log, "node.max_connections " + max);
    }

    /**
     * The limit for a configured node.max_connections (0 = auto) under an open-file limit
     * ({@code fds}, -1 when unknown), logged once: the limit, and a warning when a configured
     * number is more than the descriptors allow.
     */
    public static NodeConnections resolve(int configured, long fds) {
        int auto = DescriptorLimit.autoConnections(fds);
        String fdText = fds < 0 ? "unknown" : Long.toString(fds);
        if (configured <= 0) {
            if (fds < 0) {
                log.info("open-file limit unknown: no node-wide connection limit (node.max_connections = auto)");
            } else {
                log.info("open-file limit {}: at most {} connections ({} descriptors kept for the node itself;"
                        + " node.max_connections = auto)", fdText, auto, DescriptorLimit.reserve(fds));
            }
            return new NodeConnections(auto);
        }
        log.info("open-file limit {}: at most {} connections (node.max_connections)", fdText, configured);
        if (fds >= 0 && configured > auto) {
            log.warn("node.max_connections {} is more than the open-file limit {} allows (about {}): past that,"
                    + " accept fails and new clients are refused by the operating system; raise the limit"
                    + " (ulimit -n, LimitNOFILE) or lower node.max_connections", configured, fds, auto);
        }
        return new NodeConnections(configured);
    }

    public int max() {
        return max;
    }

    public int open() {
        return open.get();
    }

    /** Takes a place for a new connection; false (nothing taken) at the limit. */
    boolean tryOpen() {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            state.refused();
            return false;
        }
        return true;
    }

    /** A connection that took a place was refused by its listener after all, or closed. */
    void release() {
        state.released(open.decrementAndGet(), max);
    }
}
