package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.session.SessionEvents.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static io.perch.broker.session.SessionEvents.ACKED;
import static io.perch.broker.session.SessionEvents.DELIVERED;
import static io.perch.broker.session.SessionEvents.DROPPED;
import static io.perch.broker.session.SessionEvents.add;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * One MQTT session in memory: subscriptions, the outbound in-flight window and queue, and the
 * inbound QoS 2 packet ids awaiting PUBREL.
 *
 * <p>Threading: deliveries arrive from every publisher's event loop, acks from the client's.
 * All state changes hold this object's monitor; the hold is short and never spans I/O or a
 * hook (events are collected and reported to the {@link SessionListener} after the monitor is
 * released, so a hook may call back into the broker without lock-order risks). Writes are
 * handed to the connection in lock order, so the client sees messages in the order the
 * session accepted them: per-topic order holds for each publisher.
 *
 * <p>Flow control (MQTT 5 section 4.9): at most {@code min(max_inflight, client Receive
 * Maximum)} QoS 1/2 PUBLISHes are unacknowledged; the rest wait in the queue. QoS 0 messages
 * bypass the window but never overtake queued messages. Packet ids are taken from the next
 * id not in flight; with a window far below 65535 this is O(1) amortised and needs no bitmap.
 *
 * <p>The queue is bounded by {@code max_mqueue_len}: when full, a queued QoS 0 message is
 * dropped first, else the new message is dropped; each drop is counted and reported.
 */
public final class Session {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final String clientId;
    private final SessionListener listener;
    private final BrokerStats stats;
    private final int maxInflight;
    private final int maxQueue;
    private final boolean storeQos0;
    private final int maxAwaitingRel;
    private final long createdAt = System.currentTimeMillis();

    private final Map<String, SubscriptionOptions> subscriptions = new ConcurrentHashMap<>();
    private final Inflight inflight;
    private final SessionQueue queue;
    private final AwaitingRel awaitingRel;
    private final RecentAcks recentAcks = new RecentAcks();

    private volatile ClientInfo client;
    private volatile SessionConnection connection;
    private volatile long disconnectedAt;
    private volatile long expiryIntervalSeconds;
    private long messagesIn;
    private long messagesOut;
    private long dropped;
    private long lastDropLog;
    private ScheduledFuture<?> expiryTask;
    private Runnable pendingWill;
    private ScheduledFuture<?> willTask;

    public Session(String clientId, ClientInfo client, int maxInflight, int maxQueue, boolean storeQos0,
                   int maxAwaitingRel, SessionListener listener, BrokerStats stats) {
        this.clientId = clientId;
        this.client = client;
        this.maxInflight = Math.max(1, maxInflight);
        this.maxQueue = maxQueue;
        this.storeQos0 = storeQos0;
        this.maxAwaitingRel = maxAwaitingRel;
        this.queue = new SessionQueue(maxQueue);
        this.inflight = new Inflight(stats);
        this.awaitingRel = new AwaitingRel(maxAwaitingRel);
        this.listener = listener;
        this.stats = stats;
    }



    // ---- identity and views -------------------------------------------------------------

    public String clientId() {
        return clientId;
    }

    public ClientInfo client() {
        return client;
    }

    public long createdAt() {
        return createdAt;
    }

    public long disconnectedAt() {
        return disconnectedAt;
    }

    public boolean isConnected() {
        return connection != null;
    }

    public SessionConnection connection() {
        return connection;
    }

    public long expiryIntervalSeconds() {
        return expiryIntervalSeconds;
    }

    public void expiryIntervalSeconds(long seconds) {
        this.expiryIntervalSeconds = seconds;
    }

    public Map<String, SubscriptionOptions> subscriptions() {
        return subscriptions;
    }

    public synchronized int inflightSize() {
        return inflight.size();
    }

    public synchronized int queueSize() {
        return queue.size();
    }

    public synchronized int awaitingRelSize() {
        return awaitingRel.size();
    }

    public synchronized long droppedCount() {
        return dropped;
    }

    public synchronized long messagesIn() {
        return messagesIn;
    }

    public synchronized long messagesOut() {
        return messagesOut;
    }

    public int maxInflight() {
        return maxInflight;
    }

    public int maxQueue() {
        return maxQueue;
    }

    // ---- life cycle ---------------------------------------------------------------------

    /**
     * Binds a new connection and resends what the client had not acknowledged (DUP set for
     * PUBLISH, PUBREL again for released QoS 2), then drains the queue. Call after CONNACK.
     */
    public void attach(SessionConnection conn, ClientInfo info) {
        List<Event> events = null;
        synchronized (this) {
            this.connection = conn;
            this.client = info;
            this.disconnectedAt = 0;
            cancelExpiry();
            takePendingWill(); // MQTT-3.1.3-9: a reconnect before the will delay cancels the will
            inflight.resendAll(conn, window(conn));
            events = pump(events);
        }
        report(events);
    }

    /**
     * Unbinds the connection if it is still the current one; returns null when it is not (a
     * newer connection owns the session). Otherwise returns the shared-subscription messages
     * this session held (in flight unacknowledged or queued) so the broker can hand them to
     * other members of their groups; they are removed from this session.
     */
    public synchronized List<Pending> detach(SessionConnection conn, boolean takeShared) {
        if (connection != conn) {
            return null;
        }
        connection = null;
        disconnectedAt = System.currentTimeMillis();
        if (!takeShared) {
            return List.of();
        }
        List<Pending> shared = inflight.takeShared();
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.isShared()) {
                shared.add(p);
                it.remove();
            }
        }
        return shared;
    }

    public synchronized void expiryTask(ScheduledFuture<?> task) {
        cancelExpiry();
        this.expiryTask = task;
    }

    /**
     * A will waiting for its delay (v5 Will Delay Interval); the session ending sends it at once.
     * Refused (its timer cancelled) when another connection has resumed the session meanwhile
     * (MQTT-3.1.3-9).
     */
    public synchronized void pendingWill(SessionConnection from, Runnable publish, ScheduledFuture<?> task) {
        if (connection != null && connection != from) {
            task.cancel(false);
            return;
        }
        takePendingWill();
        this.pendingWill = publish;
        this.willTask = task;
    }

    /** Removes and returns the waiting will (its timer cancelled), or null. */
    public synchronized Runnable takePendingWill() {
        Runnable r = pendingWill;
        if (willTask != null) {
            willTask.cancel(false);
        }
        pendingWill = null;
        willTask = null;
        return r;
    }

    private void cancelExpiry() {
        if (expiryTask != null) {
            expiryTask.cancel(false);
            expiryTask = null;
        }
    }

    /** Everything this session still holds (for redistribution when it ends). */
    public synchronized List<Pending> drainAll() {
        List<Pending> all = inflight.drain();
        all.addAll(queue.drain());
        return all;
    }

    // ---- outbound -----------------------------------------------------------------------

    /** Accepts a message for this client: sends it now if the window allows, else queues it. */
    public void offer(Pending p) {
        List<Event> events = null;
        synchronized (this) {
            if (p.message().isExpired(System.currentTimeMillis())) {
                stats.messagesDroppedExpired.increment();
                events = add(events, DROPPED, p.message(), "expired");
            } else {
                SessionConnection conn = connection;
                if (conn != null && queue.isEmpty() && conn.isWritable()
                        && (p.qos() == 0 || inflight.size() < window(conn))) {
                    events = send(conn, p, events);
                } else if (conn == null && p.qos() == 0 && !storeQos0) {
                    events = add(events, DROPPED, p.message(), "qos0_offline");
                } else {
                    events = enqueue(p, events);
                }
            }
        }
        report(events);
    }

    /**
     * True when a message with this id is queued or in flight here, or was acknowledged very
     * recently (no double delivery: a backend's fetch can race the ack hook that deletes the
     * stored copy).
     */
    public synchronized boolean holds(MessageId id) {
        if (recentAcks.contains(id)) {
            return true;
        }
        if (inflight.holds(id)) {
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
        Pending victim = queue.add(p);
        if (victim != null) {
            dropped++;
            stats.messagesDroppedQueueFull.increment();
            long now = System.currentTimeMillis();
            if (now - lastDropLog > 10_000) {
                lastDropLog = now;
                log.warn("session {}: queue full (max_mqueue_len={}), dropping messages ({} dropped so far)",
                        clientId, maxQueue, dropped);
            }
            return add(events, DROPPED, victim.message(), "queue_full");
        }
        return events;
    }

    private List<Event> send(SessionConnection conn, Pending p, List<Event> events) {
        int id = 0;
        if (p.qos() > 0) {
            id = inflight.add(p);
        }
        if (!conn.sendPublish(p, id, false)) {
            if (id != 0) {
                inflight.remove(id);
            }
            return add(events, DROPPED, p.message(), "too_large_for_client");
        }
        messagesOut++;
        return add(events, DELIVERED, p.message(), null);
    }

    /** Moves queued messages into the window while it has room. */
    private List<Event> pump(List<Event> events) {
        SessionConnection conn = connection;
        if (conn == null) {
            return events;
        }
        long now = System.currentTimeMillis();
        int window = window(conn);
        while (!queue.isEmpty() && conn.isWritable()) {
            Pending p = queue.peek();
            if (p.message().isExpired(now)) {
                queue.poll();
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
        return events;
    }

    /** The connection became writable again: send what waited. */
    public void drain() {
        List<Event> events;
        synchronized (this) {
            events = pump(null);
        }
        report(events);
    }

    /** PUBACK: QoS 1 done. Returns false for an unknown packet id (ignored, as the spec allows). */
    public boolean puback(int packetId) {
        List<Event> events = null;
        synchronized (this) {
            InflightEntry e = inflight.get(packetId);
            if (e == null || e.pending.qos() != 1) {
                return false;
            }
            removeInflight(packetId);
            recentAcks.remember(e.pending.message().id());
            events = add(events, ACKED, e.pending.message(), null);
            resendHeldBack();
            events = pump(events);
        }
        report(events);
        return true;
    }

    /** PUBREC: QoS 2 received by the client; answer PUBREL and keep the slot until PUBCOMP. */
    public boolean pubrec(int packetId, boolean failed) {
        List<Event> events = null;
        synchronized (this) {
            InflightEntry e = inflight.get(packetId);
            if (e == null || e.pending.qos() != 2) {
                return false;
            }
            if (failed) {
                // v5 PUBREC with a reason code >= 0x80 ends the exchange (MQTT-4.3.3).
                removeInflight(packetId);
                resendHeldBack();
                events = pump(events);
            } else {
                inflight.answered(e); // the PUBREL below is its resend
                if (!e.released) {
                    e.released = true;
                    recentAcks.remember(e.pending.message().id());
                    events = add(events, ACKED, e.pending.message(), null);
                }
                SessionConnection conn = connection;
                if (conn != null) {
                    conn.sendPubrel(packetId);
                }
            }
        }
        report(events);
        return true;
    }

    public boolean pubcomp(int packetId) {
        List<Event> events = null;
        synchronized (this) {
            InflightEntry e = inflight.get(packetId);
            if (e == null || !e.released) {
                return false;
            }
            removeInflight(packetId);
            resendHeldBack();
            events = pump(events);
        }
        report(events);
        return true;
    }

    /** MQTT 3 only: resend what has waited longer than the retry interval on a live connection. */
    public synchronized void retry(long olderThanMillis) {
        SessionConnection conn = connection;
        if (conn == null) {
            return;
        }
        inflight.retry(conn, olderThanMillis);
    }

    private void removeInflight(int packetId) {
        inflight.remove(packetId);
    }

    private void resendHeldBack() {
        SessionConnection conn = connection;
        if (conn != null) {
            inflight.resendHeldBack(conn, window(conn));
        }
    }

    // ---- inbound QoS 2 -----------------------------------------------------------------

    /** Inbound QoS 2 PUBLISH. */
    public enum Qos2Result { NEW, DUPLICATE, TOO_MANY }

    public synchronized Qos2Result receiveQos2(int packetId) {
        messagesIn++;
        return awaitingRel.receive(packetId);
    }

    public synchronized void countInbound() {
        messagesIn++;
    }

    /** PUBREL: true when the id was awaiting release. */
    public synchronized boolean release(int packetId) {
        return awaitingRel.release(packetId);
    }

    /** Drops inbound QoS 2 ids whose PUBREL never came (await_rel_timeout). */
    public synchronized int expireAwaitingRel(long olderThanMillis) {
        int removed = awaitingRel.expire(olderThanMillis);
        if (removed > 0) {
            log.warn("session {}: {} QoS 2 messages never released within await_rel_timeout", clientId, removed);
        }
        return removed;
    }

    // ---- events -------------------------------------------------------------------------

    private void report(List<Event> events) {
        SessionEvents.report(this, listener, stats, events);
    }

    @Override
    public String toString() {
        return "Session[" + clientId + "]";
    }
}
