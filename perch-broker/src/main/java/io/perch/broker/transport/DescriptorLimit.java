package io.perch.broker.transport;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's open-file limit and what it leaves for client connections. Every connection
 * holds one descriptor; past the limit accept() fails with EMFILE and new clients would hang.
 */
public final class DescriptorLimit {
    /**
     * The smallest reserve. A node opens about 75 descriptors besides its clients (73 measured
     * after start with the dashboard); Redis pools and dashboard users add some while it runs.
     */
    static final long MIN_RESERVE = 128;

    private DescriptorLimit() {
    }

    /** The open-file limit read now, or -1 where the JVM cannot tell (not a Unix JVM). */
    public static long current() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long n = unix.getMaxFileDescriptorCount();
            return n > 0 ? n : -1;
        }
        return -1;
    }

    /**
     * Descriptors kept for everything but clients: jars on the class path, log files, each event
     * loop's epoll/event/timer descriptors, Redis pool connections, the dashboard's HTTP clients,
     * and listener sockets. At least {@link #MIN_RESERVE} (a small node at the common 1024 limit
     * keeps 896 for clients); 5 % at large limits, where Redis pools and dashboard users grow too.
     */
    public static long reserve(long fds) {
        return Math.max(MIN_RESERVE, fds / 20);
    }

    /** How many connections node.max_connections = auto allows under {@code fds} (-1: no limit known). */
    public static int autoConnections(long fds) {
        if (fds < 0) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, fds - reserve(fds)));
    }
}
