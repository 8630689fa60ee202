package io.perch.broker.protocol;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@code zone.external.publish_limit} for one connection: a token bucket of N PUBLISHes per
 * period. A PUBLISH that finds the bucket empty waits (in the connection's ordered inbound
 * chain, so later packets wait behind it) until its token is due, and the socket is not read
 * meanwhile: a flooding client is slowed by TCP back-pressure and loses nothing. Runs on the
 * connection's event loop only.
 */
final class PublishLimiter {
    private static final Logger log = LoggerFactory.getLogger(PublishLimiter.class);
    private final int capacity;
    private final double tokensPerNano;
    private double tokens;
    private long last = System.nanoTime();
    private long lastWarn;

    PublishLimiter(int count, long periodNanos) {
        this.capacity = count;
        this.tokensPerNano = (double) count / periodNanos;
        this.tokens = count;
    }

    /** Takes a token; returns null when one was there, else a stage completing when it is due. */
    CompletionStage<Void> acquire(MqttConnection c) {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - last) * tokensPerNano);
        last = now;
        tokens -= 1;
        if (tokens >= 0) {
            return null;
        }
        long waitNanos = (long) (-tokens / tokensPerNano) + 1;
        long nowMs = System.currentTimeMillis();
        if (nowMs - lastWarn > 10_000) {
            lastWarn = nowMs;
            log.warn("client {}: publish_limit of {} per period reached, slowing it down", c.client.clientId(), capacity);
        }
        c.pauseRead(MqttConnection.PAUSE_RATE_LIMIT);
        CompletableFuture<Void> due = new CompletableFuture<>();
        c.ctx.executor().schedule(() -> {
            c.resumeRead(MqttConnection.PAUSE_RATE_LIMIT);
            due.complete(null);
        }, waitNanos, TimeUnit.NANOSECONDS);
        return due;
    }
}
