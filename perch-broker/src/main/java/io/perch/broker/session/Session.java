package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.session.SessionEvents.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One MQTT session in memory: identity, subscriptions, life cycle (connection, expiry, will
 * delay), the inbound QoS 2 packet ids awaiting PUBREL ({@link AwaitingRel}), and the outbound
 * side ({@link Delivery}: in-flight window, bounded queue, acknowledgements).
 *
 * <p>Threading: deliveries arrive from every publisher's event loop, acks from the client's.
 * All state changes (here and in {@link Delivery}, {@link AwaitingRel}, which have no lock of
 * their own) hold this object's monitor; the hold is short and never spans I/O or a hook
 * (events are collected and reported to the {@link SessionListener} after the monitor is
 * released, so a hook may call back into the broker without lock-order risks). Writes are
 * handed to the connection in lock order, so the client sees messages in the order the
 * session accepted them: per-topic order holds for each publisher.
 *
 * <p>Why a monitor and not an owning executor (the direction in DESIGN-sessions.md): a
 * publisher hands its message to every subscriber synchronously and gets back, from each, the
 * durable write its acknowledgement must wait for ({@link #offer}); SUBACK, PUBREC and CONNACK
 * likewise need the session's answer at once. With an owning executor each of those becomes a
 * task on another thread plus a future back, and every flow that calls a session turns
 * asynchronous. The monitor gives the same single-writer order (the store sees batches in
 * monitor order) at the cost of a short uncontended lock on the common path; only fan-in to
 * one subscriber contends, where an executor would serialise the same work.
 *
 * <p>A session that outlives its connection, with a durable store, records every change in its
 * {@link ChangeLog} under the same monitor and writes it to the store before releasing it
 * (docs/persistence.md); {@link #restore} rebuilds one from what the store gave back.
 */
public final class Session {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final String clientId;
    private final SessionListener listener;
    private final BrokerStats stats;
    private final int maxInflight;
    private final int maxQueue;
    private final int maxAwaitingRel;
    /** When the session began: now, or the stored session's creation when it is restored. */
    private volatile long createdAt = System.currentTimeMillis();

    private final Map<String, SubscriptionOptions> subscriptions = new ConcurrentHashMap<>();
    private final Delivery delivery;
    private final AwaitingRel awaitingRel;

    private volatile ClientInfo client;
    private volatile SessionConnection connection;
    private volatile long disconnectedAt;
    private volatile long expiryIntervalSeconds;
    private long messagesIn;
    private ScheduledFuture<?> expiryTask;
    private Runnable pendingWill;
    private ScheduledFuture<?> willTask;
    private boolean ended;
    /**
     * The CONNECT (its client info) this session was last opened for and not yet bound to;
     * written and read under the session manager's stripe lock of the client id.
     */
    private ClientInfo openedFor;
    /** Live messages held back behind stored backlogs being paged in; null while none is. */
    private BacklogHold hold;
    /** The last inbox entry accepted per inbox (cluster): a forward read again is not taken twice. */
    private final io.perch.broker.cluster.ForwardMarks forwardMarks = new io.perch.broker.cluster.ForwardMarks();
    private final ChangeLog changes;
    private final KeptSessions keptSessions;
    /** Whether this session is counted in {@link #keptSessions} (it outlives its connection). */
    private boolean kept;

    /** A session no store keeps (tests, benchmarks). */
    public Session(String clientId, ClientInfo client, int maxInflight, int maxQueue, boolean storeQos0,
                   int maxAwaitingRel, SessionListener listener, BrokerStats stats) {
        this(clientId, client, maxInflight, maxQueue, storeQos0, maxAwaitingRel, listener, stats,
                SessionPersistence.NONE, new AtomicLong());
    }

    /**
     * @param persistence where the session is kept while it outlives its connection
     * @param seqs        the broker's sequence for the messages durable sessions accept
     */
    public Session(String clientId, ClientInfo client, int maxInflight, int maxQueue, boolean storeQos0,
                   int maxAwaitingRel, SessionListener listener, BrokerStats stats,
                   SessionPersistence persistence, AtomicLong seqs) {
        this(clientId, client, maxInflight, maxQueue, 0, storeQos0, maxAwaitingRel, listener, stats, persistence, seqs,
                new KeptSessions(0));
    }

    /**
     * @param maxQueueBytes payload bytes the queue may hold (max_mqueue_bytes), 0 = no bound but maxQueue
     * @param keptSessions  the node's count of sessions that outlive their connection, which this one joins
     *                      while its expiry is above 0
     */
    public Session(String clientId, ClientInfo client, int maxInflight, int maxQueue, long maxQueueBytes,
                   boolean storeQos0, int maxAwaitingRel, SessionListener listener, BrokerStats stats,
                   SessionPersistence persistence, AtomicLong seqs, KeptSessions keptSessions) {
        this.keptSessions = keptSessions;
        this.changes = new ChangeLog(clientId, persistence, seqs);
        this.clientId = clientId;
        this.client = client;
        this.maxInflight = Math.max(1, maxInflight);
        this.maxQueue = maxQueue;
        this.maxAwaitingRel = maxAwaitingRel;
        this.awaitingRel = new AwaitingRel(maxAwaitingRel);
        this.listener = listener;
        this.stats = stats;
        this.delivery = new Delivery(this, stats, this.maxInflight, maxQueue, maxQueueBytes, storeQos0);
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

    /**
     * Sets the Session Expiry Interval. A session above 0 outlives its connection, so a durable
     * store keeps it from now on (all of it, the first time); at 0 the store lets it go.
     */
    public synchronized void expiryIntervalSeconds(long seconds) {
        if (seconds > 0 && !kept) {
            keptSessions.add(); // an existing session is never refused for the bound
            kept = true;
        } else if (seconds == 0) {
            unkeep();
        }
        setExpiry(seconds);
    }

    /**
     * The expiry of a session just made for a CONNECT, before it is shared: false (nothing
     * set) when it would outlive its connection and mqtt.max_stored_sessions are kept already.
     */
    public synchronized boolean startExpiry(long seconds) {
        if (seconds > 0) {
            if (!keptSessions.tryAdd()) {
                return false;
            }
            kept = true;
        }
        setExpiry(seconds);
        return true;
    }

    private void unkeep() {
        if (kept) {
            kept = false;
            keptSessions.remove();
        }
    }

    private void setExpiry(long seconds) {
        this.expiryIntervalSeconds = seconds;
        if (changes.turn(seconds > 0)) {
            changes.add(saved());
            subscriptions.forEach(changes::subscription);
            delivery.snapshot();
            if (hold != null) {
                hold.record(changes::recorded);
            }
            awaitingRel.forEach(id -> changes.awaitingRel(id, true));
        } else if (changes.isOn()) {
            changes.add(saved());
        }
        changes.flush();
    }

    /**
     * Rebuilds a session a store kept (the process that held it is gone): subscriptions,
     * in-flight messages under their packet ids (resent with DUP, or PUBREL, on attach), the
     * queue, inbound QoS 2 ids awaiting PUBREL. The store has all of it already; only the
     * session's new expiry is written. Call before the session is shared.
     */
    public synchronized void restore(StoredSession stored, long expirySeconds) {
        changes.turn(true); // the store holds it already (what the restore drops is deleted there)
        subscriptions.putAll(stored.subscriptions());
        delivery.restore(stored.messages());
        stored.awaitingRel().forEach(awaitingRel::restore);
        io.perch.broker.cluster.ForwardMarks.of(stored.forwardMarks()).copyInto(forwardMarks);
        disconnectedAt = stored.disconnectedAt();
        if (stored.createdAt() > 0) {
            createdAt = stored.createdAt();
        }
        expiryIntervalSeconds = expirySeconds;
        if (expirySeconds > 0 && !kept) {
            keptSessions.add(); // its dormant entry stopped counting when it was taken
            kept = true;
        }
        if (expirySeconds > 0) {
            if (changes.isOn()) {
                changes.add(saved());
            }
        } else {
            changes.turn(false); // resumed for this connection only: the store lets it go now
        }
        changes.flush();
    }

    private Change saved() {
        return new Change.SessionSaved(clientId, client.protocolVersion(), expiryIntervalSeconds, disconnectedAt,
                createdAt);
    }

    /** The session's change log, for its parts and the session manager; used under this monitor. */
    ChangeLog changes() {
        return changes;
    }

    /** Records a subscription change for the store (null options: removed); the caller holds this monitor. */
    public void subscriptionChanged(String key, SubscriptionOptions options) {
        assert Thread.holdsLock(this);
        changes.subscription(key, options);
        changes.flush();
    }

    /**
     * The will of connection {@code from} (null: none, or it was sent or discarded), for the
     * store; ignored when another connection holds the session by now (its will is its own).
     */
    public synchronized void will(SessionConnection from, Message will, long delaySeconds) {
        if (connection != null && connection != from) {
            return;
        }
        if (changes.isOn()) {
            changes.add(will == null ? new Change.WillDeleted(clientId) : new Change.WillSet(clientId, will, delaySeconds));
            changes.flush();
        }
    }

    /**
     * Another node took the session over: it stops here without ending (the store keeps it for
     * that node), its timers are cancelled and its will left to the new owner. Marked ended so
     * that nothing routed here meanwhile is accepted. Returns the write of what was recorded
     * before, or null. The caller holds this monitor.
     */
    public java.util.concurrent.CompletionStage<Void> handOver() {
        assert Thread.holdsLock(this);
        ended = true;
        unkeep();
        cancelExpiry();
        if (willTask != null) {
            willTask.cancel(false);
        }
        pendingWill = null;
        willTask = null;
        return changes.stop();
    }

    /** The session ended: a durable store lets all of it go. The caller holds this monitor. */
    public void forget() {
        assert Thread.holdsLock(this);
        unkeep();
        changes.turn(false);
        changes.flush();
    }

    public Map<String, SubscriptionOptions> subscriptions() {
        return subscriptions;
    }

    public synchronized int inflightSize() {
        return delivery.inflightSize();
    }

    public synchronized int queueSize() {
        return delivery.queueSize();
    }

    /** Payload bytes queued (what max_mqueue_bytes bounds). */
    public synchronized long queueBytes() {
        return delivery.queueBytes();
    }

    public synchronized int awaitingRelSize() {
        return awaitingRel.size();
    }

    public synchronized long droppedCount() {
        return delivery.dropped();
    }

    public synchronized long messagesIn() {
        return messagesIn;
    }

    public synchronized long messagesOut() {
        return delivery.messagesOut();
    }

    public int maxInflight() {
        return maxInflight;
    }

    public int maxQueue() {
        return maxQueue;
    }

    // ---- life cycle ---------------------------------------------------------------------

    /** Records the CONNECT this session was just opened for; the caller holds the client id's stripe lock. */
    public void openedFor(ClientInfo info) {
        openedFor = info;
    }

    /**
     * True when the session was last opened for {@code info}'s CONNECT, which is about to bind
     * (the record is cleared). The caller holds the client id's stripe lock.
     */
    public boolean takeOpening(ClientInfo info) {
        if (openedFor != info) {
            return false;
        }
        openedFor = null;
        return true;
    }

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
            if (changes.isOn()) {
                changes.add(saved());
            }
            events = delivery.resume(conn);
            changes.flush();
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
        if (changes.isOn()) {
            changes.add(saved());
        }
        delivery.checkRoom(); // an offline queue holds no publisher
        List<Pending> shared = takeShared ? delivery.takeShared() : List.of();
        changes.flush();
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

    /**
     * Marks the session ended (kicked, expired, discarded, closed clean) and returns its
     * subscription keys, emptied. The caller holds this monitor with the tree update, so a
     * subscribe racing the end cannot leave a tree entry for a session nobody holds.
     */
    public List<String> endAndTakeSubscriptions() {
        assert Thread.holdsLock(this);
        ended = true;
        List<String> keys = List.copyOf(subscriptions.keySet());
        subscriptions.clear();
        return keys;
    }

    /** True once the session has ended; the caller holds this monitor. */
    public boolean hasEnded() {
        assert Thread.holdsLock(this);
        return ended;
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
        List<Pending> all = delivery.drainAll();
        delivery.checkRoom();
        return all;
    }

    /**
     * Publishers' acknowledgements wait while this session's connected queue holds more than
     * {@code highBytes} of payload, at most {@code maxWaitMillis} each ({@link QueueRoom}); 0: never.
     */
    public synchronized void backpressure(long highBytes, long maxWaitMillis) {
        delivery.backpressure(highBytes, maxWaitMillis);
    }

    /** Whether publishers' acknowledgements wait on this session's queue now. */
    public synchronized boolean holdingAcks() {
        return delivery.holdingAcks();
    }

    // ---- outbound -----------------------------------------------------------------------

    /**
     * Accepts a message for this client: sends it now if the window allows, else queues it.
     * Returns when a durable store has it (null: nothing was written, a session the store does
     * not keep or a QoS 0 sent at once), so that a publisher's acknowledgement can wait for it.
     */
    public CompletionStage<Void> offer(Pending p) {
        List<Event> events;
        CompletionStage<Void> stored;
        synchronized (this) {
            events = delivery.offer(p);
            stored = changes.flush();
        }
        report(events);
        return stored;
    }

    /**
     * A live message from routing: as {@link #offer}, unless a stored backlog is being paged in
     * for a subscription that matches it ({@link #holdLive}); then a QoS 1/2 one is recorded
     * (the publisher's acknowledgement still waits for the store) and held back until the
     * backlog is done, so that it comes after the stored messages.
     */
    public CompletionStage<Void> offerLive(Pending p) {
        return offerLive(p, null);
    }

    /**
     * A message routed again under the id it had: an MQTT 3 QoS 2 resend whose first routing's
     * store writes failed ({@code PublishFlow}), so this session's copy may be missing from the
     * store. A session that still holds it writes it again as it is now (same seq). One that
     * does not takes nothing: it was in memory when the message was first routed (the routing
     * in memory does not wait for the store), so it had the message and completed or dropped it,
     * or its subscription came later. Returns the write, or null.
     */
    public CompletionStage<Void> offerAgain(Pending p) {
        return offerAgain(p, null);
    }

    /** As {@link #offerAgain(Pending)}, for a message another node forwarded, read at {@code read} (or null). */
    public CompletionStage<Void> offerAgain(Pending p, io.perch.broker.cluster.InboxPosition read) {
        synchronized (this) {
            if (read != null && forwardMarks.seen(read)) {
                return null;
            }
            io.perch.broker.message.MessageId id = p.message().id();
            Pending parked = hold == null ? null : hold.parked(id);
            if (parked != null || delivery.recordAgain(id)) {
                if (parked != null && parked.seq() != 0) {
                    changes.recordedAgain(parked);
                }
                return changes.flush();
            }
            return null;
        }
    }

    /**
     * A message another node forwarded, read from an inbox at {@code read}: as
     * {@link #offerLive(Pending)}, unless this session accepted that entry already (read again
     * after a crash, {@link io.perch.broker.cluster.ForwardMarks}); then nothing happens and
     * null is returned. The mark of a QoS 2 message is stored in the message's own write.
     */
    public CompletionStage<Void> offerForwarded(Pending p, io.perch.broker.cluster.InboxPosition read) {
        return offerLive(p, read);
    }

    private CompletionStage<Void> offerLive(Pending p, io.perch.broker.cluster.InboxPosition read) {
        List<Event> events = null;
        CompletionStage<Void> stored;
        synchronized (this) {
            if (read != null) {
                if (forwardMarks.seen(read)) {
                    log.debug("session {}: inbox entry {} of {} was taken before; not again", clientId,
                            read.entryId(), read.inbox());
                    return null;
                }
                forwardMarks.mark(read);
            }
            if (hold != null && p.qos() > 0 && !p.isShared() && hold.holds(p.message().topic())) {
                hold.park(changes.accepted(p));
                if (hold.parked() > holdLimit()) {
                    // The backlog takes too long: live messages go on (after the ones held so far).
                    log.debug("session {}: {} live messages held behind a stored backlog; no longer held",
                            clientId, hold.parked());
                    events = offerHeld(hold.releaseAll());
                    hold = null;
                }
            } else {
                events = delivery.offer(p);
            }
            if (read != null && p.qos() == 2 && changes.isOn()) {
                // After the message's own changes: a write not applied whole (Redis Cluster) never
                // has the mark without the message.
                changes.add(new Change.ForwardMarked(clientId, read.inbox(), read.entryId()));
            }
            stored = changes.flush();
            // Not for what another node forwarded: its inbox acknowledges entries in order, so one
            // held would hold back every entry after it, for every session of this node.
            java.util.concurrent.CompletableFuture<Void> room = read == null ? delivery.roomWait() : null;
            if (room != null) {
                // The queue is over its back-pressure mark: the publisher's acknowledgement waits too.
                stored = stored == null ? room : stored.thenCombine(room, (a, b) -> null);
            }
        }
        report(events);
        return stored;
    }

    /** Live messages held back at most with no max_mqueue_len, after which they go on regardless. */
    private static final int HOLD_LIMIT = 10_000;

    /**
     * How many live messages may wait behind a backlog: the half of max_mqueue_len a backlog
     * leaves to live messages ({@link Delivery#roomForBacklog}).
     */
    private int holdLimit() {
        return maxQueue > 0 ? Math.max(1, maxQueue - maxQueue / 2) : HOLD_LIMIT;
    }

    /**
     * A stored backlog for the subscription {@code filter} is about to be paged in: live
     * messages it matches wait ({@link #offerLive}) until {@link #releaseLive}. False (and no
     * hold) when the session has ended.
     */
    public synchronized boolean holdLive(String filter) {
        if (ended) {
            return false;
        }
        if (hold == null) {
            hold = new BacklogHold();
        }
        hold.hold(filter);
        return true;
    }

    /** The backlog for {@code filter} is done: what waited for it goes, in order. */
    public void releaseLive(String filter) {
        List<Event> events;
        synchronized (this) {
            if (hold == null || !hold.release(filter)) {
                return;
            }
            List<Pending> go = hold.isEmpty() ? hold.releaseAll() : hold.releasable();
            if (hold.isEmpty()) {
                hold = null;
            }
            events = offerHeld(go);
            changes.flush();
        }
        report(events);
    }

    private List<Event> offerHeld(List<Pending> held) {
        List<Event> events = null;
        for (Pending p : held) {
            List<Event> e = delivery.offerHeld(p);
            if (e != null && !e.isEmpty()) {
                if (events == null) {
                    events = new java.util.ArrayList<>();
                }
                events.addAll(e);
            }
        }
        return events;
    }

    /**
     * Accepts a message of a stored backlog only if the session has room for it without
     * dropping anything ({@link Delivery#roomForBacklog}): false (nothing done) when the backlog
     * should wait for the client to drain the queue; {@link #holds} is checked under the same hold.
     * A live copy held back meanwhile ({@link #offerLive}) is the one delivered, here.
     */
    public Backlogged offerBacklog(Pending p) {
        List<Event> events;
        synchronized (this) {
            Pending live = hold == null ? null : hold.parked(p.message().id());
            if (live == null && delivery.holds(p.message().id())) {
                return Backlogged.DUPLICATE;
            }
            if (!delivery.roomForBacklog(live != null ? live : p)) {
                return Backlogged.NO_ROOM;
            }
            if (live != null) {
                hold.take(live.message().id());
            }
            events = live != null ? delivery.offerHeld(live) : delivery.offer(p);
            changes.flush();
        }
        report(events);
        return Backlogged.TAKEN;
    }

    /** What {@link #offerBacklog} did. */
    public enum Backlogged { TAKEN, DUPLICATE, NO_ROOM }

    /** True when this message id is queued, in flight, or was acknowledged a moment ago. */
    public synchronized boolean holds(MessageId id) {
        return delivery.holds(id) || (hold != null && hold.parked(id) != null);
    }

    /** The connection became writable again: send what waited. */
    public void drain() {
        List<Event> events;
        synchronized (this) {
            events = delivery.drain();
            changes.flush();
        }
        report(events);
    }

    /** PUBACK: QoS 1 done. Returns false for an unknown packet id (ignored, as the spec allows). */
    public boolean puback(int packetId) {
        List<Event> events;
        synchronized (this) {
            events = delivery.puback(packetId);
            changes.flush();
        }
        report(events);
        return events != Delivery.UNKNOWN;
    }

    /**
     * PUBREC: QoS 2 received by the client; answer PUBREL and keep the slot until PUBCOMP. The
     * PUBREL goes out once a durable store has the released state: a session resumed from the
     * store after a crash must answer with PUBREL, never resend the PUBLISH (MQTT-4.3.3).
     */
    public boolean pubrec(int packetId, boolean failed) {
        List<Event> events;
        CompletionStage<Void> stored;
        int[] pubrel = new int[1];
        SessionConnection conn;
        synchronized (this) {
            events = delivery.pubrec(packetId, failed, pubrel);
            stored = changes.flush();
            if (pubrel[0] != 0) {
                stored = delivery.releaseWrite(pubrel[0], stored);
            }
            conn = connection;
        }
        if (pubrel[0] != 0 && conn != null) {
            if (stored == null) {
                conn.sendPubrel(pubrel[0]);
            } else {
                // Also when the write failed: the live session is released either way, and a client
                // left without PUBREL would wait until it reconnects.
                stored.whenComplete((v, err) -> conn.sendPubrel(pubrel[0]));
            }
        }
        report(events);
        return events != Delivery.UNKNOWN;
    }

    public boolean pubcomp(int packetId) {
        List<Event> events;
        synchronized (this) {
            events = delivery.pubcomp(packetId);
            changes.flush();
        }
        report(events);
        return events != Delivery.UNKNOWN;
    }

    /** MQTT 3 only: resend what has waited longer than the retry interval on a live connection. */
    public synchronized void retry(long olderThanMillis) {
        delivery.retry(olderThanMillis);
        changes.flush(); // a QoS 2 packet id the store failed to take is written again first
    }

    // ---- inbound QoS 2 -----------------------------------------------------------------

    /** Inbound QoS 2 PUBLISH. */
    public enum Qos2Result { NEW, DUPLICATE, TOO_MANY }

    /**
     * Notes an inbound QoS 2 packet id until PUBREL. The store hears of it only from
     * {@link #qos2Routed}, with the message's own writes in one store group, so that a store
     * that has the id also has the message (a resent PUBLISH after a crash is then rightly a
     * duplicate) and one that has the message has the id (else the resend is routed again).
     */
    public synchronized Qos2Result receiveQos2(int packetId) {
        messagesIn++;
        return awaitingRel.receive(packetId);
    }

    /** The QoS 2 message with this id was routed: the store records the id; returns when it has. */
    public synchronized CompletionStage<Void> qos2Routed(int packetId) {
        if (changes.isOn() && awaitingRel.contains(packetId)) {
            changes.awaitingRel(packetId, true);
        }
        return changes.flush();
    }

    /**
     * MQTT 3: the QoS 2 message routed under {@code packetId} as {@code routedAs} was refused by
     * the store, and the id kept; its copies may be missing there until it is routed again.
     */
    public synchronized void unconfirmed(int packetId, io.perch.broker.message.MessageId routedAs) {
        awaitingRel.unconfirmed(packetId, routedAs);
    }

    /** The id the message under {@code packetId} was routed as, if its copies may be missing from the store; else null. */
    public synchronized io.perch.broker.message.MessageId unconfirmed(int packetId) {
        return awaitingRel.unconfirmed(packetId);
    }

    /** Routed again and stored: the message under {@code packetId} has its copies. */
    public synchronized void confirmed(int packetId) {
        awaitingRel.confirmed(packetId);
    }

    public synchronized void countInbound() {
        messagesIn++;
    }

    /** PUBREL: true when the id was awaiting release. */
    public boolean release(int packetId) {
        return released(packetId) != null;
    }

    /**
     * PUBREL: null when the id was not awaiting release, else when the store has forgotten it
     * (PUBCOMP waits for that: a remembered id would make the client's next message with it a
     * duplicate after a crash).
     */
    public synchronized CompletionStage<Void> released(int packetId) {
        if (!awaitingRel.release(packetId)) {
            return null;
        }
        if (changes.isOn()) {
            changes.awaitingRel(packetId, false);
        }
        CompletionStage<Void> stored = changes.flush();
        return stored != null ? stored : DONE;
    }

    private static final CompletionStage<Void> DONE = java.util.concurrent.CompletableFuture.completedFuture(null);

    /** Drops inbound QoS 2 ids whose PUBREL never came (await_rel_timeout). */
    public synchronized int expireAwaitingRel(long olderThanMillis) {
        int removed = awaitingRel.expire(olderThanMillis, id -> changes.awaitingRel(id, false));
        changes.flush();
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
