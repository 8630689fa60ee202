package io.perch.broker.session;

import io.perch.broker.message.MessageId;
import io.perch.broker.session.SessionEvents.Event;
import io.perch.broker.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

import static io.perch.broker.session.SessionEvents.ACKED;
import static io.perch.broker.session.SessionEvents.DELIVERED;
import static io.perch.broker.session.SessionEvents.DROPPED;
import static io.perch.broker.session.SessionEvents.add;

/**
 * A session's outbound side: what it sends its client and what the client acknowledges.
 *
 * <p>Flow control (MQTT 5 section 4.9): at most {@code min(max_inflight, client Receive
 * Maximum)} QoS 1/2 PUBLISHes are unacknowledged ({@link Inflight}); the rest wait in the
 * bounded {@link SessionQueue}. QoS 0 messages bypass the window but never overtake queued
 * messages. While the socket is above its high-water mark (a slow reader) nothing is written:
 * messages queue and go out when it drains.
 *
 * <p>Part of its {@link Session}'s state, with no lock of its own: every method is called by
 * the session with the session's monitor held (asserted), records the changes a durable store
 * needs in the session's {@link ChangeLog} (the session flushes it before releasing the
 * monitor) and returns the events (delivered, acked, dropped) the session reports after
 * releasing it.
 */
final class Delivery {
    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    private final Session session;
    private final BrokerStats stats;
    private final int maxInflight;
    private final int maxQueue;
    private final long maxQueueBytes;
    private final boolean storeQos0;
    private final Inflight inflight;
    private final SessionQueue queue;
    private final RecentAcks recentAcks = new RecentAcks();
    /** Off until {@link #backpressure} sets it. */
    private QueueRoom room;
    private long messagesOut;
    private long dropped;
    private long lastDropLog;

    Delivery(Session session, BrokerStats stats, int maxInflight, int maxQueue, long maxQueueBytes, boolean storeQos0) {
        this.session = session;
        this.stats = stats;
        this.maxInflight = maxInflight;
        this.maxQueue = maxQueue;
        this.maxQueueBytes = maxQueueBytes;
        this.storeQos0 = storeQos0;
        this.inflight = new Inflight(stats, session);
        this.queue = new SessionQueue(maxQueue, maxQueueBytes);
        this.room = new QueueRoom(stats, 0, 0);
    }

    /** Holds publishers' acknowledgements while the queue is above {@code highBytes} ({@link QueueRoom}). */
    void backpressure(long highBytes, long maxWaitMillis) {
        room = new QueueRoom(stats, highBytes, maxWaitMillis);
    }

    /** After an offer: what the publisher's acknowledgement must wait for besides the store, or null. */
    java.util.concurrent.CompletableFuture<Void> roomWait() {
        return room.afterQueued(queue.bytes(), session.connection() != null);
    }

    /** The connection went or the queue shrank outside {@link #pump}: held acknowledgements may go. */
    void checkRoom() {
        room.check(queue.bytes(), session.connection() != null);
    }

    boolean holdingAcks() {
        return room.holding();
    }

    // Views; the caller holds the session's monitor.

    int inflightSize() {
        return inflight.size();
    }

    int queueSize() {
        return queue.size();
    }

    long queueBytes() {
        return queue.bytes();
    }

    long dropped() {
        return dropped;
    }

    long messagesOut() {
        return messagesOut;
    }

    /** A new connection (the caller holds the monitor): resend within its window, then the queue. */
    List<Event> resume(SessionConnection conn) {
        inflight.resendAll(conn, window(conn));
        return pump(null);
    }

    /**
     * The session has just started to be stored: records every message it holds, in flight
     * (with packet id and phase) and queued, giving each its seq (caller holds the monitor).
     */
    void snapshot() {
        ChangeLog changes = session.changes();
        inflight.forEach((e, packetId) -> {
            e.pending = changes.recorded(e.pending);
            changes.sent(e.pending, packetId);
            if (e.released) {
                changes.released(e.pending, packetId);
            }
        });
        queue.replaceAll(changes::recorded);
    }

    /**
     * Records again, as it is now, the message with this id that the session holds in flight or
     * queued, for a store that may have missed its first write (caller holds the monitor);
     * false when it holds none. Its seq stays: the store's entry is written over, not doubled.
     */
    boolean recordAgain(MessageId id) {
        ChangeLog changes = session.changes();
        boolean[] found = {false};
        inflight.forEach((e, packetId) -> {
            if (!found[0] && e.pending.message().id().equals(id)) {
                found[0] = true;
                e.pending = changes.recordedAgain(e.pending);
                changes.sent(e.pending, packetId);
                if (e.released) {
                    changes.released(e.pending, packetId);
                }
            }
        });
        if (found[0]) {
            return true;
        }
        for (Pending p : queue) {
            if (p.message().id().equals(id)) {
                if (p.seq() != 0) { // else never recorded: the store does not keep this session
                    changes.recordedAgain(p);
                }
                return true;
            }
        }
        return false;
    }

    /** Puts back what a stored session held: in-flight entries under their packet ids, then the queue. */
    void restore(List<io.perch.broker.persist.StoredSession.Outbound> stored) {
        for (var o : stored) {
            Pending p = new Pending(o.message(), o.qos(), o.retain(),
                    o.subscriptionIds() == null ? Pending.NO_IDS : o.subscriptionIds(), o.shareGroup(), o.shareFilter(),
                    o.seq());
            switch (o.phase()) {
                case SENT -> inflight.restore(o.packetId(), p, false);
                case RELEASED -> inflight.restore(o.packetId(), p, true);
                case QUEUED -> {
                    // Smaller bounds than when it was stored, or more than the bounds of a session
                    // not in memory could know of (DormantSessions.offer): the store lets them go.
                    for (Pending victim : queue.add(p)) {
                        session.changes().removed(victim);
                        dropped++;
                        stats.messagesDroppedQueueFull.increment();
                    }
                }
            }
        }
    }

    /** Removes and returns what came through shared subscriptions (caller holds the monitor). */
    List<Pending> takeShared() {
        List<Pending> shared = inflight.takeShared();
        shared.addAll(queue.removeIf(Pending::isShared));
        ChangeLog changes = session.changes();
        for (Pending p : shared) {
            changes.removed(p);
        }
        return shared;
    }

    /** Removes and returns everything not yet received (caller holds the monitor). */
    List<Pending> drainAll() {
        List<Pending> all = inflight.drain();
        all.addAll(queue.drain());
        return all;
    }

    /** Accepts a message for this client: sends it now if the window allows, else queues it. */
    List<Event> offer(Pending p) {
        assert Thread.holdsLock(session);
        List<Event> events = null;
        if (p.message().isExpiredNow()) {
            stats.messagesDroppedExpired.increment();
            return add(events, DROPPED, p.message(), "expired");
        }
        SessionConnection conn = session.connection();
        if (sendsNow(conn, p)) {
            return send(conn, p, events);
        }
        if (conn == null && p.qos() == 0 && !storeQos0) {
            stats.messagesDroppedQos0Offline.increment();
            return add(events, DROPPED, p.message(), "qos0_offline");
        }
        return enqueue(p, events);
    }

    /**
     * A message the session recorded while holding it back ({@link BacklogHold}): as
     * {@link #offer}, and one that expired meanwhile leaves the store too.
     */
    List<Event> offerHeld(Pending p) {
        assert Thread.holdsLock(session);
        if (p.message().isExpiredNow()) {
            session.changes().removed(p);
            return offer(p); // counted and reported as dropped, as any expired message
        }
        SessionConnection conn = session.connection();
        if (sendsNow(conn, p)) {
            return send(conn, p, null);
        }
        queue.addHeld(p);
        return null;
    }

    /**
     * Whether {@link #offer} would take {@code p} without the queue passing half its bounds:
     * sent at once, or queued within {@link SessionQueue#fitsInHalf}. A stored backlog is paged
     * in while this holds, and waits (in its store) while it does not.
     */
    boolean roomForBacklog(Pending p) {
        assert Thread.holdsLock(session);
        return sendsNow(session.connection(), p) || queue.fitsInHalf(p);
    }

    /** Whether {@code p} goes out at once rather than to the queue: nothing queued before it, room in the window. */
    private boolean sendsNow(SessionConnection conn, Pending p) {
        return conn != null && queue.isEmpty() && conn.isWritable() && (p.qos() == 0 || inflight.size() < window(conn));
    }

    /**
     * True when a message with this id is queued or in flight here, or was acknowledged very
     * recently (no double delivery: a backend's fetch can race the ack hook that deletes the
     * stored copy).
     */
    boolean holds(MessageId id) {
        assert Thread.holdsLock(session);
        if (recentAcks.contains(id) || inflight.holds(id)) {
            return true;
        }
        for (Pending p : queue) {
            if (p.message().id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private int window(SessionConnection conn) {
        return Math.min(maxInflight, conn.receiveMaximum());
    }

    private List<Event> enqueue(Pending p, List<Event> events) {
        ChangeLog changes = session.changes();
        p = changes.accepted(p);
        List<Pending> victims = queue.add(p);
        if (victims.isEmpty()) {
            return events;
        }
        for (Pending victim : victims) {
            changes.removed(victim);
            dropped++;
            stats.messagesDroppedQueueFull.increment();
            events = add(events, DROPPED, victim.message(), "queue_full");
        }
        long now = System.currentTimeMillis();
        if (now - lastDropLog > 10_000) {
            lastDropLog = now;
            log.warn("session {}: queue full ({} messages, {} payload bytes; max_mqueue_len={}, max_mqueue_bytes={}),"
                    + " dropping messages ({} dropped so far)", session.clientId(), queue.size(), queue.bytes(),
                    maxQueue, maxQueueBytes, dropped);
        }
        return events;
    }

    private List<Event> send(SessionConnection conn, Pending p, List<Event> events) {
        ChangeLog changes = session.changes();
        int id = 0;
        InflightEntry entry = null;
        java.util.concurrent.CompletableFuture<Void> after = null;
        if (p.qos() > 0) {
            p = changes.accepted(p); // a no-op for one that was queued: it has its seq
            id = inflight.add(p);
            changes.sent(p, id);
            entry = inflight.get(id);
            if (p.qos() == 2) {
                after = changes.whenDurable(); // null unless the store keeps this session
                entry.sentWrite = after;
            }
        } else {
            changes.removed(p); // QoS 0 from the queue: gone once written
        }
        if (!inflight.publish(conn, p, entry, id, after)) {
            if (id != 0) {
                inflight.remove(id);
                changes.removed(p);
            }
            stats.messagesDroppedTooLarge.increment();
            return add(events, DROPPED, p.message(), "too_large_for_client");
        }
        messagesOut++;
        return add(events, DELIVERED, p.message(), null);
    }

    /** Moves queued messages into the window while it has room. */
    private List<Event> pump(List<Event> events) {
        SessionConnection conn = session.connection();
        if (conn == null) {
            room.check(queue.bytes(), false);
            return events;
        }
        int window = window(conn);
        while (!queue.isEmpty() && conn.isWritable()) {
            Pending p = queue.peek();
            if (p.message().isExpiredNow()) {
                queue.poll();
                session.changes().removed(p);
                stats.messagesDroppedExpired.increment();
                events = add(events, DROPPED, p.message(), "expired");
                continue;
            }
            if (p.qos() > 0 && inflight.size() >= window) {
                break;
            }
            queue.poll();
            events = send(conn, p, events);
        }
        room.check(queue.bytes(), true);
        return events;
    }

    /** The connection became writable again: send what waited. */
    List<Event> drain() {
        assert Thread.holdsLock(session);
        return pump(null);
    }

    /** PUBACK: QoS 1 done. {@link #UNKNOWN} for an unknown packet id (ignored, as the spec allows). */
    List<Event> puback(int packetId) {
        assert Thread.holdsLock(session);
        InflightEntry e = inflight.get(packetId);
        if (e == null || e.pending.qos() != 1) {
            return UNKNOWN;
        }
        if (!e.published) {
            return unpublished("PUBACK", packetId);
        }
        removeInflight(packetId);
        session.changes().removed(e.pending);
        recentAcks.remember(e.pending.message().id());
        List<Event> events = add(null, ACKED, e.pending.message(), null);
        resendHeldBack();
        return pump(events);
    }

    /** Returned for an acknowledgement of a packet id this session does not hold. */
    static final List<Event> UNKNOWN = List.of();
    /** Returned for an acknowledgement ignored on purpose ({@link #unpublished}); not {@link #UNKNOWN}. */
    static final List<Event> IGNORED = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(0));
    private long lastUnpublishedLog;

    /**
     * An acknowledgement of a packet id whose PUBLISH has not gone out yet (it waits for its
     * packet id to be stored, {@link HeldPublishes}): the client cannot have that message, so
     * it is about an earlier one, and taken as this one it would complete a message never sent
     * (its add and delete cancel out before they reach the store, and the PUBLISH is then
     * dropped as stale: acknowledged to its publisher, never delivered). Ignored, logged at
     * most every 10 s.
     */
    private List<Event> unpublished(String what, int packetId) {
        long now = System.currentTimeMillis();
        if (now - lastUnpublishedLog > 10_000) {
            lastUnpublishedLog = now;
            log.warn("session {}: {} for packet id {} before its PUBLISH was sent; ignored", session.clientId(), what,
                    packetId);
        }
        return IGNORED;
    }

    /**
     * PUBREC: QoS 2 received by the client; keep the slot until PUBCOMP. Returns the packet id
     * to answer with PUBREL (the session sends it once the released state is stored) in
     * {@code pubrel[0]}, 0 for none.
     */
    List<Event> pubrec(int packetId, boolean failed, int[] pubrel) {
        assert Thread.holdsLock(session);
        InflightEntry e = inflight.get(packetId);
        if (e == null || e.pending.qos() != 2) {
            return UNKNOWN;
        }
        if (!e.published) {
            return unpublished("PUBREC", packetId);
        }
        List<Event> events = null;
        if (failed) {
            // v5 PUBREC with a reason code >= 0x80 ends the exchange (MQTT-4.3.3).
            removeInflight(packetId);
            session.changes().removed(e.pending);
            resendHeldBack();
            return pump(events);
        }
        inflight.answered(e); // the PUBREL is its resend
        if (!e.released) {
            e.released = true;
            session.changes().released(e.pending, packetId);
            recentAcks.remember(e.pending.message().id());
            events = add(events, ACKED, e.pending.message(), null);
        }
        pubrel[0] = packetId;
        return events;
    }

    /**
     * After a PUBREC: when the PUBREL for {@code packetId} may go. {@code stored} is the write
     * the PUBREC made (null when it made none: a PUBREC again, answered after the first one's
     * write). Returns null when it may go now.
     */
    java.util.concurrent.CompletableFuture<Void> releaseWrite(int packetId, java.util.concurrent.CompletionStage<Void> stored) {
        assert Thread.holdsLock(session);
        InflightEntry e = inflight.get(packetId);
        if (e == null) {
            return stored == null ? null : stored.toCompletableFuture();
        }
        if (stored != null) {
            e.releaseWrite = stored.toCompletableFuture();
        }
        java.util.concurrent.CompletableFuture<Void> w = e.releaseWrite;
        if (w != null && w.isDone()) {
            e.releaseWrite = null;
            return null;
        }
        return w;
    }

    List<Event> pubcomp(int packetId) {
        assert Thread.holdsLock(session);
        InflightEntry e = inflight.get(packetId);
        if (e == null || !e.released) {
            return UNKNOWN;
        }
        removeInflight(packetId);
        session.changes().removed(e.pending);
        resendHeldBack();
        return pump(null);
    }

    /** MQTT 3 only: resend what has waited longer than the retry interval on a live connection. */
    void retry(long olderThanMillis) {
        assert Thread.holdsLock(session);
        SessionConnection conn = session.connection();
        if (conn != null) {
            inflight.retry(conn, olderThanMillis);
        }
    }

    private void removeInflight(int packetId) {
        inflight.remove(packetId);
    }

    private void resendHeldBack() {
        SessionConnection conn = session.connection();
        if (conn != null) {
            inflight.resendHeldBack(conn, window(conn));
        }
    }
}
