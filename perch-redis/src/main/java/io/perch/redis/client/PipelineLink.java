package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The pipeline's connection and what is known of it: opened on first use with auto-flush off,
 * probed with PING at every (re)connect (and asked whether it may run scripts), up or down,
 * with one log line when that changes, and (at every connect) whether the server can give the
 * pool's {@link Durability}. Used by the pipeline's worker thread; {@link #isUp()},
 * {@link #knownDown()} and {@link #durabilityChecked()} are read by other threads.
 */
final class PipelineLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipelineLink.class);

    private final String pool;
    private final Supplier<RedisLink> connector;
    private final Duration replyTimeout;
    private final Durability durability;
    /** Completes at the first connect: normally when the server can give {@link #durability}, else with the refusal. */
    private final CompletableFuture<Void> durabilityChecked = new CompletableFuture<>();
    /** Why the connected server cannot give {@link #durability}; null when it can. Asked at every (re)connect. */
    private String durabilityRefused;
    private RedisLink link;
    /** Whether runs of built-in writes go as scripts on this connection; asked at every (re)connect. */
    private boolean scripts;
    private volatile boolean up;
    /** Set once a connect or exchange failed; until then (start-up) reads wait for the first connection. */
    private volatile boolean knownDown;
    // For the operator's status page; written by the worker thread only, read by any.
    /** Epoch ms when {@link #up} last changed, or when the link was made. */
    private volatile long since = System.currentTimeMillis();
    private volatile String lastError;
    /** Writes waiting when Redis last came back, and all replayed since start. */
    private volatile long lastReplay;
    private volatile long replayedTotal;

    /** Counts each failed (re)connect attempt (backend.redis.connect.failed). */
    private final Runnable connectFailed;

    PipelineLink(String pool, Supplier<RedisLink> connector, Duration replyTimeout, Durability durability,
                 Runnable connectFailed) {
        this.pool = pool;
        this.connectFailed = connectFailed;
        this.connector = connector;
        this.replyTimeout = replyTimeout;
        this.durability = durability;
    }

    Durability durability() {
        return durability;
    }

    /** Why durable writes cannot be confirmed on this connection, or null. */
    String durabilityRefused() {
        return durabilityRefused;
    }

    /**
     * Completes once the first connection was checked. Its callbacks run on the worker
     * thread unless attached after completion: the caller should only wait on it.
     */
    CompletableFuture<Void> durabilityChecked() {
        return durabilityChecked;
    }

    /** The pipeline stops before it ever reached Redis. */
    void stopChecking() {
        durabilityChecked.completeExceptionally(new IllegalStateException(
                "Redis pool " + pool + " stopped before persistence.ack = " + durability + " could be checked"));
    }

    boolean isUp() {
        return up;
    }

    boolean knownDown() {
        return knownDown;
    }

    long since() {
        return since;
    }

    String lastError() {
        return lastError;
    }

    long lastReplay() {
        return lastReplay;
    }

    long replayedTotal() {
        return replayedTotal;
    }

    RedisLink link() {
        return link;
    }

    boolean scripts() {
        return scripts;
    }

    /** Redis refused a script: plain commands until the next (re)connect asks again. */
    void noScripts() {
        scripts = false;
    }

    /** Connects (once) and probes; true when Redis answered. {@code pending} is for the log line only. */
    boolean ensureUp(IntSupplier pending) {
        if (up) {
            return true;
        }
        try {
            if (link == null) {
                link = connector.get();
                link.connection().setAutoFlushCommands(false);
            }
            RedisFuture<String> ping = link.commands().ping();
            link.connection().flushCommands();
            ping.get(replyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            connectFailed.run();
            markDown(e instanceof ExecutionException && e.getCause() != null ? e.getCause().toString() : e.toString());
            return false;
        }
        scripts = ScriptedWrites.supported(link, replyTimeout.toMillis());
        checkDurability();
        up = true;
        knownDown = false;
        since = System.currentTimeMillis();
        int n = pending.getAsInt();
        lastReplay = n;
        replayedTotal += n;
        log.info("Redis pool {} is reachable{}", pool, n > 0 ? "; replaying " + n + " queued writes" : "");
        return true;
    }

    private void checkDurability() {
        String refused = DurabilityCheck.refusal(pool, link, durability, replyTimeout.toMillis());
        if (refused != null && !refused.equals(durabilityRefused)) {
            // Loud and once per change: every durable write fails with this until it is fixed.
            log.error("Redis pool {}: {}. Durable writes fail until then.", pool, refused);
        } else if (refused == null && durabilityRefused != null) {
            log.info("Redis pool {} can give persistence.ack = {} again", pool, durability);
        }
        durabilityRefused = refused;
        if (refused == null) {
            durabilityChecked.complete(null);
        } else {
            durabilityChecked.completeExceptionally(new IllegalStateException(refused));
        }
    }

    void markDown(String why) {
        if (up || !knownDown) {
            // Once per outage (also when Redis is not there at start-up); the retries are counted, not logged.
            log.warn("Redis pool {} is unreachable ({}); retrying, MQTT goes on, writes are kept for replay "
                    + "(backend.redis.connect.failed counts the attempts)", pool, why);
            since = System.currentTimeMillis();
        } else {
            log.debug("Redis pool {} still unreachable: {}", pool, why);
        }
        lastError = why;
        up = false;
        knownDown = true;
    }

    @Override
    public void close() {
        if (link != null) {
            link.close();
        }
    }
}
