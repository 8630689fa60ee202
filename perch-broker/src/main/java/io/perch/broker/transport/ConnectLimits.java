package io.perch.broker.transport;

import io.perch.broker.core.RecentOffenders;
import io.perch.broker.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A listener's per-address and rate limits ({@code max_conn_per_ip}, {@code max_conn_rate}):
 * a new connection over either is closed at once, counted, and logged once per offending
 * address (or once for the rate) per {@link RecentOffenders} window, never once per connection.
 *
 * <p>Threads: every I/O event loop of the listener; the counts are concurrent maps and atomics.
 */
final class ConnectLimits {
    private static final Logger log = LoggerFactory.getLogger(ConnectLimits.class);
    private static final long SECOND = 1_000_000_000L;

    private final String listener;
    private final int perIp;
    private final int rate;
    private final BrokerStats stats;
    private final RecentOffenders offenders;
    private final LongSupplier clock;
    private final ConcurrentHashMap<InetAddress, Integer> byAddress = new ConcurrentHashMap<>();
    /** The second the rate is being counted in, and how many connections it took. */
    private final AtomicLong second = new AtomicLong(Long.MIN_VALUE);
    private final AtomicInteger inSecond = new AtomicInteger();

    ConnectLimits(String listener, int perIp, int rate, BrokerStats stats, RecentOffenders offenders, LongSupplier nanoClock) {
        this.listener = listener;
        this.perIp = perIp;
        this.rate = rate;
        this.stats = stats;
        this.offenders = offenders;
        this.clock = nanoClock;
    }

    boolean any() {
        return perIp > 0 || rate > 0;
    }

    /**
     * Takes a place for a new connection from {@code address} (null: not an IP socket); false
     * when a limit refuses it. A connection that got a place must {@link #release} it.
     */
    boolean tryOpen(InetAddress address) {
        if (rate > 0 && !withinRate()) {
            stats.connectionsRefusedRateLimit.increment();
            if (offenders.firstInWindow("conn-rate:" + listener)) {
                log.warn("listener {}: max_conn_rate {} per second reached, closing new connections over it "
                        + "(logged once per 10 minutes)", listener, rate);
            }
            return false;
        }
        if (perIp > 0 && address != null) {
            boolean[] placed = {false};
            byAddress.compute(address, (a, n) -> {
                int open = n == null ? 0 : n;
                if (open >= perIp) {
                    return n;
                }
                placed[0] = true;
                return open + 1;
            });
            if (!placed[0]) {
                stats.connectionsRefusedPerIpLimit.increment();
                if (offenders.firstInWindow("conn-ip:" + listener + ":" + address.getHostAddress())) {
                    log.warn("listener {}: {} has max_conn_per_ip {} connections open, closing its new ones "
                            + "(logged once per 10 minutes per address)", listener, address.getHostAddress(), perIp);
                }
                return false;
            }
        }
        return true;
    }

    void release(InetAddress address) {
        if (perIp > 0 && address != null) {
            byAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Fixed one-second windows: simple, and a burst of at most twice the rate across a boundary is acceptable. */
    private boolean withinRate() {
        long now = clock.getAsLong() / SECOND;
        long current = second.get();
        if (current != now && second.compareAndSet(current, now)) {
            inSecond.set(0);
        }
        return inSecond.incrementAndGet() <= rate;
    }

    /** Addresses with connections counted (for tests). */
    int addresses() {
        return byAddress.size();
    }
}
