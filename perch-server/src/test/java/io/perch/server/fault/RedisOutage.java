package io.perch.server.fault;

import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A Redis outage as a {@link CrashRun.Fault}: SIGKILL, a pause, and redis-server started again
 * on the same port and data dir. It also measures the promise that while Redis is away nothing
 * is acknowledged: a message a publisher handed over after the kill cannot have been written to
 * Redis before the restart, so any acknowledgement of one that arrives before the restart is a
 * broken promise ({@link #ackedDuringOutages()}, expected 0).
 */
final class RedisOutage implements CrashRun.Fault {
    private final RedisServerProcess redis;
    private final CrashRun run;
    private final Duration minimum;
    private int outages;
    private long ackedDuringOutages;
    private long unackedAtRestart;

    /** @param minimum how long Redis stays away at least: the scenario, not a wait for a result */
    RedisOutage(RedisServerProcess redis, CrashRun run, Duration minimum) {
        this.redis = redis;
        this.run = run;
        this.minimum = minimum;
    }

    @Override
    public void inject() throws Exception {
        redis.kill9();
        outages++;
        Ledger ledger = run.ledger();
        // Taken after the process is gone. One publish per publisher may straddle the kill (handed
        // to Paho just before, handedOver set just after), so the one after the mark is excluded too.
        Map<FaultPublisher, Long> mark = new HashMap<>();
        run.publishers().forEach(p -> mark.put(p, p.handedOver() + 1));
        // Down for at least the minimum, and until the broker holds at least one publish (handed
        // over, not acknowledged), so every outage is one the publishers felt.
        try {
            await("redis outage " + outages + ": a publish held").pollDelay(minimum).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> run.publishers().stream().anyMatch(p -> ledger.ackedBy(p.id) < p.handedOver()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no publish held while Redis was down: " + ledger.summarize().line()
                    + "\nbroker output (tail):\n" + run.broker().tail(40), e);
        }
        for (FaultPublisher p : run.publishers()) {
            ackedDuringOutages += ledger.ackedAbove(p.id, mark.get(p));
            unackedAtRestart += p.handedOver() - ledger.ackedBy(p.id);
        }
        redis.restart();
    }

    int outages() {
        return outages;
    }

    /** Acknowledgements, before Redis came back, of messages handed over after it died. */
    long ackedDuringOutages() {
        return ackedDuringOutages;
    }

    /**
     * Messages handed to the publishers' clients and not acknowledged at the moments of restart,
     * summed over the outages: held by the broker, or still in the client (the broker stops
     * reading a publisher's socket while its publishes wait for Redis).
     */
    long unackedAtRestart() {
        return unackedAtRestart;
    }

    String line() {
        return "redis restarts=" + outages + " acked-during-outage=" + ackedDuringOutages
                + " unacked-at-restart=" + unackedAtRestart;
    }
}
