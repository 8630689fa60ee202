package io.perch.dashboard.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing, per source IP: after {@link #MAX_FAILURES} failed logins (Basic
 * credentials, {@code POST /api/v4/auth}, or a wrong old password on change_pwd) within
 * {@link #WINDOW}, further attempts from that IP are refused with 429 for a back-off that starts
 * at {@link #FIRST_BACKOFF} and doubles with each new block, up to {@link #MAX_BACKOFF}. A
 * successful login forgets the IP; so does {@link #MAX_BACKOFF} without a failure. Each block is
 * logged once, when it starts (not per refused request). The source IP is the TCP peer: a reverse
 * proxy in front makes every client one IP.
 */
public final class LoginThrottle {
    private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);
    public static final int MAX_FAILURES = 5;
    public static final Duration WINDOW = Duration.ofMinutes(1);
    public static final Duration FIRST_BACKOFF = Duration.ofSeconds(60);
    public static final Duration MAX_BACKOFF = Duration.ofMinutes(15);
    /** Beyond this many tracked IPs, quiet ones are dropped on the next failure. */
    private static final int MAX_TRACKED = 10_000;

    private static final class Record {
        final ArrayDeque<Long> failures = new ArrayDeque<>();
        long blockedUntil;
        long lastFailure;
        int blocks;
    }

    private final Map<String, Record> byIp = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Counter failuresCounter;
    private final Counter throttledCounter;

    public LoginThrottle(Clock clock, MeterRegistry registry) {
        this.clock = clock;
        this.failuresCounter = Counter.builder("perch.dashboard.login.failures")
                .description("Failed dashboard/API logins").register(registry);
        this.throttledCounter = Counter.builder("perch.dashboard.login.throttled")
                .description("Dashboard/API login attempts refused with 429 after too many failures").register(registry);
    }

    /**
     * Seconds the IP must still wait (rounded up), counted as a throttled attempt; empty when
     * it may try.
     */
    public OptionalLong blocked(String ip) {
        Record r = byIp.get(ip);
        if (r == null) {
            return OptionalLong.empty();
        }
        long now = clock.millis();
        synchronized (r) {
            if (now >= r.blockedUntil) {
                return OptionalLong.empty();
            }
            throttledCounter.increment();
            return OptionalLong.of(Math.max(1, (r.blockedUntil - now + 999) / 1000));
        }
    }

    /** A failed login from {@code ip}; may start a block. */
    public void failure(String ip) {
        failuresCounter.increment();
        long now = clock.millis();
        if (byIp.size() >= MAX_TRACKED) {
            byIp.entrySet().removeIf(e -> quiet(e.getValue(), now));
        }
        Record r = byIp.computeIfAbsent(ip, k -> new Record());
        synchronized (r) {
            if (now - r.lastFailure > MAX_BACKOFF.toMillis()) {
                r.blocks = 0;
            }
            r.lastFailure = now;
            while (!r.failures.isEmpty() && r.failures.peekFirst() <= now - WINDOW.toMillis()) {
                r.failures.pollFirst();
            }
            r.failures.addLast(now);
            if (r.failures.size() >= MAX_FAILURES) {
                Duration backoff = backoff(r.blocks);
                r.blocks++;
                r.blockedUntil = now + backoff.toMillis();
                r.failures.clear();
                log.warn("dashboard: {} failed logins from {} within {}s; refusing its logins for {}s",
                        MAX_FAILURES, ip, WINDOW.toSeconds(), backoff.toSeconds());
            }
        }
    }

    /** A successful login: the IP starts afresh. */
    public void success(String ip) {
        byIp.remove(ip);
    }

    static Duration backoff(int previousBlocks) {
        Duration d = FIRST_BACKOFF;
        for (int i = 0; i < previousBlocks && d.compareTo(MAX_BACKOFF) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private static boolean quiet(Record r, long now) {
        synchronized (r) {
            return now >= r.blockedUntil && now - r.lastFailure > MAX_BACKOFF.toMillis();
        }
    }
}
