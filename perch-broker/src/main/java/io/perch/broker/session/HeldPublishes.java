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
 * <p>A held PUBLISH whose write failed stays where it is, and what came after it waits on: its
 * packet id is written again a second later, and it goes once that write is durable. Sending it
 * anyway could repeat it; skipping it would reorder. One held for a connection that is no
 * longer the session's is dropped: the next connection resends the in-flight window.
 *
 * <p>Part of its session's state, guarded by the session's monitor. A write's completion takes
 * that monitor on the store's thread to send what became ready.
 */
final class HeldPublishes {
    private static final Logger log = LoggerFactory.getLogger(HeldPublishes.class);
    private static final long REWRITE_AFTER_MS = 1_000;

    /** One PUBLISH: {@code entry} is null for QoS 0; {@code after} is the write it waits for, null for none. */
    private static final class Held {
        final SessionConnection conn;
        final Pending pending;
        final InflightEntry entry;
        final int packetId;
        final boolean dup;
        CompletableFuture<Void> after;

        Held(SessionConnection conn, Pending pending, InflightEntry entry, int packetId, boolean dup,
             CompletableFuture<Void> after) {
            this.conn = conn;
            this.pending = pending;
            this.entry = entry;
            this.packetId = packetId;
            this.dup = dup;
            this.after = after;
        }

        boolean failed() {
            return after != null && after.isCompletedExceptionally();
        }
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
            if (entry != null) {
                entry.published = true;
            }
            return conn.sendPublish(p, packetId, dup);
        }
        if (!conn.fits(p)) {
            return false;
        }
        if (queue == null) {
            queue = new ArrayDeque<>();
        }
        queue.add(new Held(conn, p, entry, packetId, dup, after));
        watch(after);
        return true;
    }

    /** Releases what is ready once {@code after} completes (once per write: a batch's PUBLISHes share it). */
    private void watch(CompletableFuture<Void> after) {
        if (after != null && after != watched) {
            watched = after;
            after.whenComplete((v, e) -> {
                synchronized (session) {
                    release();
                }
            });
        }
    }

    /** Sends the held PUBLISHes that are ready, in order (caller holds the monitor). */
    private void release() {
        while (!isEmpty()) {
            Held h = queue.peek();
            if (stale(h)) {
                queue.poll(); // another connection resends it; or it was completed, released or handed on meanwhile
                continue;
            }
            if (h.after != null && !h.after.isDone()) {
                return;
            }
            if (h.failed()) {
                failed();
                return; // what comes after waits: the session's order holds
            }
            queue.poll();
            if (h.entry != null) {
                if (h.entry.sentWrite == h.after) {
                    h.entry.sentWrite = null;
                }
                h.entry.published = true;
            }
            h.conn.sendPublish(h.pending, h.packetId, h.dup);
        }
        watched = null;
    }

    /**
     * Not to be sent: for a connection that is no longer the session's, for an entry completed or
     * handed on meanwhile, or for one the client answered with PUBREC meanwhile (a resend queued
     * behind a held PUBLISH): sent after the PUBREL, it would make the client hold the id again
     * and deliver the message twice at the next PUBREL.
     */
    private boolean stale(Held h) {
        return h.conn != session.connection()
                || h.entry != null && (inflight.get(h.packetId) != h.entry || h.entry.released);
    }

    private void failed() {
        long now = System.currentTimeMillis();
        if (now - lastFailureLog > 10_000) {
            lastFailureLog = now;
            log.warn("session {}: the store did not take a QoS 2 packet id; its PUBLISH, and what follows, waits"
                    + " for it to be written again", session.clientId());
        }
        if (rewriteScheduled) {
            return;
        }
        rewriteScheduled = true;
        // Not at once: a store failing on the spot would have this recurse through its own answer.
        CompletableFuture.runAsync(this::rewrite,
                CompletableFuture.delayedExecutor(REWRITE_AFTER_MS, TimeUnit.MILLISECONDS));
    }

    /** Writes the failed packet ids again; their PUBLISHes go once that is durable. */
    private void rewrite() {
        synchronized (session) {
            rewriteScheduled = false;
            if (isEmpty()) {
                return;
            }
            for (java.util.Iterator<Held> it = queue.iterator(); it.hasNext(); ) {
                Held h = it.next();
                if (!h.failed()) {
                    continue;
                }
                CompletableFuture<Void> w = stale(h) ? null : inflight.rewrite(h.entry, h.packetId);
                if (w == null) {
                    // Stale, or the store no longer keeps the session (it moved to another node):
                    // not sent from here; a connection that has the session resends it.
                    it.remove();
                } else {
                    h.after = w;
                }
            }
            session.changes().flush();
            watched = null;
            for (Held h : queue) {
                watch(h.after);
            }
            release();
        }
    }
}
