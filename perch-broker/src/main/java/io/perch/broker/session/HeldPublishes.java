package io.perch.broker.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A session's outbound PUBLISHes on their way to the connection, held while the store has not
 * yet what they depend on.
 *
 * <p>A QoS 2 PUBLISH of a stored session goes out only once the store has its packet id (the
 * write that recorded it {@code SENT} is durable). Sent earlier, a crash before that write
 * leaves a store that knows the message but not the id: the session's next owner sends it
 * under a new id, and the client, which cannot tell, delivers it a second time (MQTT-4.3.3
 * asks for the same id). A QoS 0 or 1 PUBLISH waits for nothing of its own, but one sent while
 * another is held goes behind it, so the client still gets the session's order.
 *
 * <p>A held PUBLISH whose write failed is not sent (that could repeat it): its entry stays in
 * flight and is written and sent again a second later, on the v3 retry, or on the client's next
 * connection. One held for a connection that is no longer the session's is dropped: the next
 * connection resends the in-flight window.
 *
 * <p>Part of its session's state, guarded by the session's monitor. A write's completion takes
 * that monitor on the store's thread to send what became ready.
 */
final class HeldPublishes {
    private static final Logger log = LoggerFactory.getLogger(HeldPublishes.class);
    private static final long REWRITE_AFTER_MS = 1_000;

    /** One PUBLISH: {@code entry} is null for QoS 0; {@code after} is the write it waits for, null for none. */
    private record Held(SessionConnection conn, Pending pending, InflightEntry entry, int packetId, boolean dup,
                        CompletableFuture<Void> after) {
    }

    private final Session session;
    private final Inflight inflight;
    private ArrayDeque<Held> queue; // made when the first PUBLISH is held
    /** The last write a release is registered on: the PUBLISHes of one batch share it. */
    private CompletableFuture<Void> watched;
    private boolean rewriteScheduled;
    private long lastFailureLog;

    HeldPublishes(Session session, Inflight inflight) {
        this.session = session;
        this.inflight = inflight;
    }

    boolean isEmpty() {
        return queue == null || queue.isEmpty();
    }

    /**
     * Sends now, or holds until {@code after} is durable and everything held before has gone.
     * Returns false when the client's maximum packet size forbids the PUBLISH (nothing is held).
     */
    boolean publish(SessionConnection conn, Pending p, InflightEntry entry, int packetId, boolean dup,
                    CompletableFuture<Void> after) {
        assert Thread.holdsLock(session);
        if (isEmpty() && (after == null || after.isDone() && !after.isCompletedExceptionally())) {
            return conn.sendPublish(p, packetId, dup);
        }
        if (!conn.fits(p)) {
            return false;
        }
        if (queue == null) {
            queue = new ArrayDeque<>();
        }
        queue.add(new Held(conn, p, entry, packetId, dup, after));
        if (after != null && after != watched) {
            watched = after;
            after.whenComplete((v, e) -> {
                synchronized (session) {
                    release();
                }
            });
        }
        return true;
    }

    /** Sends the held PUBLISHes that are ready, in order (caller holds the monitor). */
    private void release() {
        while (!isEmpty()) {
            Held h = queue.peek();
            if (h.after != null && !h.after.isDone()) {
                return;
            }
            queue.poll();
            if (h.conn != session.connection() || h.entry != null && inflight.get(h.packetId) != h.entry) {
                continue; // another connection resends it; or it was completed or handed on meanwhile
            }
            if (h.after != null && h.after.isCompletedExceptionally()) {
                failed();
                continue;
            }
            if (h.entry != null && h.entry.sentWrite == h.after) {
                h.entry.sentWrite = null;
            }
            h.conn.sendPublish(h.pending, h.packetId, h.dup);
        }
        if (isEmpty()) {
            watched = null;
        }
    }

    private void failed() {
        long now = System.currentTimeMillis();
        if (now - lastFailureLog > 10_000) {
            lastFailureLog = now;
            log.warn("session {}: the store did not take a QoS 2 packet id; the PUBLISH waits and is written again",
                    session.clientId());
        }
        if (rewriteScheduled) {
            return;
        }
        rewriteScheduled = true;
        // Not at once: a store failing on the spot would have this recurse through its own answer.
        CompletableFuture.runAsync(this::rewrite,
                CompletableFuture.delayedExecutor(REWRITE_AFTER_MS, TimeUnit.MILLISECONDS));
    }

    private void rewrite() {
        synchronized (session) {
            rewriteScheduled = false;
            SessionConnection conn = session.connection();
            if (conn != null) {
                inflight.resendUnwritten(conn);
            }
            session.changes().flush();
        }
    }
}
