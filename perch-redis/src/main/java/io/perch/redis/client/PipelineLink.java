package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The pipeline's connection and what is known of it: opened on first use with auto-flush off,
 * probed with PING at every (re)connect (and asked whether it may run scripts), up or down,
 * with one log line when that changes. Used by the pipeline's worker thread; {@link #isUp()}
 * and {@link #knownDown()} are read by publishers.
 */
final class PipelineLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipelineLink.class);

    private final String pool;
    private final Supplier<RedisLink> connector;
    private final Duration replyTimeout;
    private RedisLink link;
    /** Whether runs of built-in writes go as scripts on this connection; asked at every (re)connect. */
    private boolean scripts;
    private volatile boolean up;
    /** Set once a connect or exchange failed; until then (start-up) reads wait for the first connection. */
    private volatile boolean knownDown;

    PipelineLink(String pool, Supplier<RedisLink> connector, Duration replyTimeout) {
        this.pool = pool;
        this.connector = connector;
        this.replyTimeout = replyTimeout;
    }

    boolean isUp() {
        return up;
    }

    boolean knownDown() {
        return knownDown;
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
            markDown(e instanceof ExecutionException && e.getCause() != null ? e.getCause().toString() : e.toString());
            return false;
        }
        scripts = ScriptedWrites.supported(link, replyTimeout.toMillis());
        up = true;
        knownDown = false;
        int n = pending.getAsInt();
        log.info("Redis pool {} is reachable{}", pool, n > 0 ? "; replaying " + n + " queued writes" : "");
        return true;
    }

    void markDown(String why) {
        if (up) {
            log.warn("Redis pool {} is unreachable ({}); MQTT goes on, writes are kept for replay", pool, why);
        } else {
            log.debug("Redis pool {} still unreachable: {}", pool, why);
        }
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
