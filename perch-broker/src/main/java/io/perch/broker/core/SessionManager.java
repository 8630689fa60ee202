package io.perch.broker.core;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.hook.event.SessionEvent;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.broker.route.Router;
import io.perch.broker.session.KeptSessions;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionConnection;
import io.perch.broker.session.SessionStore;
import io.perch.broker.topic.SubscriptionTree;
import io.perch.broker.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Creates, resumes (from memory or from the store), takes over, expires, kicks and ends
 * sessions. Subscribing is {@link Subscriptions}'; what sessions report becomes hooks in
 * {@link SessionHooks}.
 *
 * <p>Opening, closing, expiring and kicking a session are serialised on a lock stripe of its
 * client id, so two CONNECTs with one id racing on different event loops cannot both win and a
 * kick cannot interleave with a takeover. A session's subscription table and the tree change
 * together under the session's monitor (lock order: stripe, then session, then the tree's lock).
 * Why both locks stay rather than an owning executor per session: {@link ClientLocks} and
 * {@link Session} say.
 */
public final class SessionManager {
    private static final Logger log = LoggerFactory.getLogger(SessionManager.class);
    /** MQTT 5: a Session Expiry Interval of 0xFFFFFFFF means the session never expires. */
    public static final long NEVER_EXPIRE = 0xFFFFFFFFL;

    private final BrokerConfig config;
    private final HookRegistry hooks;
    private final BrokerStats stats;
    private final SessionStore store;
    private final Router router;
    private final ScheduledExecutorService scheduler;
    private final ClientLocks locks;
    private final SessionPersistence persistence;
    private final RestoreGate restoring;
    private final DormantSessions dormant;
    private final Publisher publisher;
    private final AtomicLong seqs;
    private final SubscriptionTree<String> tree;
    private final SessionHooks sessionHooks;
    private final KeptSessions keptSessions;
    private final io.perch.broker.cluster.Cluster cluster;

    public SessionManager(BrokerConfig config, HookRegistry hooks, BrokerStats stats, SessionStore store,
                          Router router, ScheduledExecutorService scheduler, SessionPersistence persistence, Publisher publisher,
                          ClientLocks locks, DormantSessions dormant, AtomicLong seqs, SubscriptionTree<String> tree,
                          KeptSessions keptSessions, RestoreGate restoring) {
        this(config, hooks, stats, store, router, scheduler, persistence, publisher, locks, dormant, seqs, tree,
                keptSessions, restoring, io.perch.broker.cluster.Cluster.NONE);
    }

    public SessionManager(BrokerConfig config, HookRegistry hooks, BrokerStats stats, SessionStore store,
                          Router router, ScheduledExecutorService scheduler, SessionPersistence persistence, Publisher publisher,
                          ClientLocks locks, DormantSessions dormant, AtomicLong seqs, SubscriptionTree<String> tree,
                          KeptSessions keptSessions, RestoreGate restoring, io.perch.broker.cluster.Cluster cluster) {
        this.cluster = cluster;
        this.restoring = restoring;
        this.keptSessions = keptSessions;
        this.tree = tree;
        this.sessionHooks = new SessionHooks(hooks, stats);
        this.persistence = persistence;
        this.publisher = publisher;
        this.locks = locks;
        this.dormant = dormant;
        this.seqs = seqs;
        this.config = config;
        this.hooks = hooks;
        this.stats = stats;
        this.store = store;
        this.router = router;
        this.scheduler = scheduler;
    }

    public SessionStore store() {
        return store;
    }

    /** @param session null when the CONNECT is refused: it would make one stored session too many */
    public record Opened(Session session, boolean present) {
        static final Opened OVER_STORED_SESSIONS = new Opened(null, false);
        /** Cluster: another node claimed the client id after this CONNECT did; that one wins. */
        public static final Opened CLAIMED_ELSEWHERE = new Opened(null, true);

        public boolean refused() {
            return session == null;
        }
    }

    /**
     * Finds or makes the session for a CONNECT. An existing live connection is told to go
     * (v5 reason 0x8E) and marked as taken over; a clean start discards the old session.
     */
    public Opened open(ClientInfo info, boolean cleanStart, long expirySeconds, Runnable onTakeover) {
        return open(info, cleanStart, expirySeconds, onTakeover, null);
    }

    /**
     * True when the client's session is not in memory but a durable store keeps it: the
     * CONNECT (without clean start) loads it ({@link #openStored}, or {@link #loadFailed});
     * what is routed to the client meanwhile is held for the loaded session.
     */
    public boolean beginLoad(String clientId, boolean cleanStart) {
        return beginLoad(clientId, cleanStart, false);
    }

    /**
     * As {@link #beginLoad(String, boolean)}; {@code fromOtherNode}: this node just took the
     * client over from another node (cluster), so a session the store keeps is loaded although
     * this node never knew it.
     */
    public boolean beginLoad(String clientId, boolean cleanStart, boolean fromOtherNode) {
        if (fromOtherNode && !cleanStart) {
            synchronized (stripe(clientId)) {
                if (store.get(clientId) != null) {
                    return false;
                }
                // Dormant here when this node reaped the node the client was on (or prepared this
                // takeover): what is routed to it while the load reads is held for the loaded session.
                dormant.loading(clientId);
                return true;
            }
        }
        if (!cleanStart && !restoring.isOpen()) {
            synchronized (stripe(clientId)) {
                if (store.get(clientId) != null) {
                    return false;
                }
                if (!dormant.contains(clientId)) {
                    // The restore has not got to it (if it is stored at all): ask the store. If the
                    // restore adds it meanwhile, it adds it as loading (what is routed to it is held
                    // for the loaded session, which takes the entry over); if the load fails, the
                    // entry stays, as after any failed load.
                    restoring.loadingEarly(clientId);
                    return true;
                }
            }
        }
        if (cleanStart || !dormant.contains(clientId)) {
            return false; // every CONNECT asks: without a stored session it takes no lock
        }
        synchronized (stripe(clientId)) {
            if (store.get(clientId) != null) {
                return false;
            }
            dormant.runDue(clientId); // an expired session is not loaded: it ends here
            if (!dormant.contains(clientId)) {
                return false;
            }
            dormant.loading(clientId);
            return true;
        }
    }

    /**
     * Cluster: before asking the node that holds the client to let it go, this node routes to the
     * client's stored subscriptions and keeps what comes (written to the store and held for the
     * load), so nothing published while the session moves misses it. False when the client is
     * here already. Undo with {@link #abandonTakeover} if the CONNECT does not open the session.
     */
    public boolean prepareTakeover(StoredSession stored) {
        long from = seqs.get(); // taken before routing starts: every message kept from then on has a higher seq
        boolean prepared = dormant.prepareTakeover(new SessionPersistence.Dormant(stored.clientId(), stored.disconnectedAt(),
                stored.expiryIntervalSeconds(), stored.subscriptions(), 0, null, stored.protocolVersion()));
        if (prepared) {
            persistence.takingOver(stored.clientId(), from);
        }
        return prepared;
    }

    /** The CONNECT that prepared a takeover went (closed, refused, lost its claim): this node stops routing to it. */
    public void abandonTakeover(String clientId) {
        persistence.takingOver(clientId, -1);
        synchronized (stripe(clientId)) {
            if (store.get(clientId) == null) {
                dormant.take(clientId, false); // what it held is in the store: the owner's load finds it
            }
        }
    }

    /**
     * A takeover claimed the client, but its CONNECT went before the session opened: this node
     * owns the session now, so it stays here as a stored session (routed to, written for) until
     * its client connects; what was held for it is in the store already.
     */
    public void keepTakenOver(String clientId) {
        synchronized (stripe(clientId)) {
            dormant.loadFailed(clientId);
        }
    }

    /** True when this node holds the client's session, live or dormant (cluster: it owns the client id). */
    public boolean heldHere(String clientId) {
        return store.get(clientId) != null || dormant.contains(clientId);
    }

    /** A stored session whose client left (not at a crash) longer ago than its expiry interval. */
    private static boolean expiredWhileDown(StoredSession s) {
        return s.disconnectedAt() > 0 && s.expiryIntervalSeconds() != NEVER_EXPIRE
                && s.disconnectedAt() + s.expiryIntervalSeconds() * 1000 <= System.currentTimeMillis();
    }

    /** The load begun by {@link #beginLoad} failed: the session stays in the store, dormant. */
    public void loadFailed(String clientId) {
        synchronized (stripe(clientId)) {
            restoring.loadedEarly(clientId);
            dormant.loadFailed(clientId);
        }
    }

    /** The store that keeps durable sessions. */
    public SessionPersistence persistence() {
        return persistence;
    }

    /**
     * Opens a session for a CONNECT from what the store gave back (empty: it had none after
     * all). A session that appeared in memory meanwhile wins: it is newer than the stored one.
     */
    public Opened openStored(ClientInfo info, long expirySeconds, Runnable onTakeover, StoredSession stored) {
        return open(info, false, expirySeconds, onTakeover, stored);
    }

    private Opened open(ClientInfo info, boolean cleanStart, long expirySeconds, Runnable onTakeover,
                        StoredSession stored) {
        String id = info.clientId();
        Opened result;
        synchronized (stripe(id)) {
            if (cluster.enabled() && !cluster.holds(id)) {
                restoring.loadedEarly(id);
                return Opened.CLAIMED_ELSEWHERE; // released already: the session is the other node's
            }
            restoring.loadedEarly(id);
            if (stored != null && expiredWhileDown(stored)) {
                // Read by this CONNECT before the broker's own read reached it: gone, as it would be.
                dormant.expiredOnLoad(id, stored, publisher);
                stored = null;
                cleanStart = true; // what the broker's read may have added for it goes too
            }
            if (stored == null) {
                dormant.runDue(id); // a clean start, or a CONNECT that did not load: what fell due goes first
            }
            if (stored != null && !cleanStart) {
                // Routed to by what the entry knew (taken over from another node: read before that
                // node let go); the loaded subscriptions are the truth.
                java.util.Set<String> known = dormant.subscriptionKeys(id);
                if (known != null) {
                    for (String key : List.copyOf(known)) {
                        if (!stored.subscriptions().containsKey(key)) {
                            tree.removeKey(key, id);
                        }
                    }
                }
            }
            List<Pending> held = dormant.take(id, stored != null && !cleanStart);
            if (held != null && cleanStart) {
                persistence.write(List.of(new Change.SessionDeleted(id))); // a clean start discards it (MQTT-3.1.2-4)
                held = null;
            } else if (held == null && cleanStart && !restoring.isOpen() && persistence.durable()) {
                // Before the restore got to it: a clean start discards whatever the store keeps
                // for it (a delete of nothing is harmless), and the restore must not bring it back.
                restoring.connectedEarly(id);
                persistence.write(List.of(new Change.SessionDeleted(id)));
            }
            Session existing = store.get(id);
            SessionConnection old = null;
            if (existing != null) {
                old = existing.connection();
                if (old != null) {
                    stats.sessionsTakenOver.increment();
                    hooks.fire(HookPoints.SESSION_TAKENOVER, new SessionEvent(existing.client(), "takenover"));
                    log.info("client {} connected again from {}: taking over the session", id, info.peerHost());
                    onTakeover.run();
                    existing.detach(old, false);
                }
            }
            if (existing != null && !cleanStart) {
                existing.expiryIntervalSeconds(expirySeconds);
                result = new Opened(existing, true);
            } else if (stored != null && existing == null) {
                stored.messages().stream().mapToLong(StoredSession.Outbound::seq).max()
                        .ifPresent(top -> io.perch.broker.session.Seqs.seen(seqs, top));
                Session s = newSession(id, info);
                s.restore(stored, expirySeconds);
                // Before the store shows it: a publisher's thread finds a session there without
                // this lock and offers at once, so a message routed now would pass the held ones.
                offerHeld(s, held, stored);
                held = null;
                stored.subscriptions().forEach((key, o) -> tree.addKey(key, id, o));
                store.put(s);
                result = new Opened(s, true);
            } else {
                if (existing != null) {
                    end(existing, "discarded", HookPoints.SESSION_DISCARDED);
                }
                Session s = newSession(id, info);
                if (s.startExpiry(expirySeconds)) {
                    store.put(s);
                    result = new Opened(s, false);
                } else {
                    // A new persistent session past mqtt.max_stored_sessions (a resumed one never is).
                    stats.sessionsRefusedStoredLimit.increment();
                    result = Opened.OVER_STORED_SESSIONS;
                }
            }
            if (held != null && result.present()) {
                // Without a stored session after all, they were for subscriptions the new session
                // does not have.
                offerHeld(result.session(), held, stored);
            }
            if (old != null) {
                // Told only now, so that when the old connection closes the store already says
                // whether its session lives on (resumed) or ended (clean start): its will depends on it.
                old.disconnect(SessionConnection.Close.TAKEN_OVER);
            }
            if (!result.refused()) {
                result.session().openedFor(info); // a CONNECT between here and its attach takes it from this one
            }
        }
        if (result.refused()) {
            return result;
        }
        hooks.fire(result.present() ? HookPoints.SESSION_RESUMED : HookPoints.SESSION_CREATED, new SessionEvent(info, null));
        return result;
    }

    /**
     * Binds the connection of the CONNECT that {@code s} was opened for ({@link #open}), after
     * {@code connack} (which sends the CONNACK) has run: both under the client id's stripe, like
     * open and {@link #release}, so that a session let go between open and attach is seen here.
     * False, with nothing done, when the session is no longer this CONNECT's: another node took
     * the client over, a later CONNECT took the session, or it was kicked. Without this check the
     * connection would be bound to a session nobody else holds (routed to by no one, its will
     * sent when it closes) while the client counts itself connected.
     */
    public boolean attach(Session s, SessionConnection conn, ClientInfo info, Runnable connack) {
        synchronized (stripe(s.clientId())) {
            if (store.get(s.clientId()) != s || !s.takeOpening(info)) {
                return false;
            }
            connack.run();
            s.attach(conn, info);
            return true;
        }
    }

    /**
     * What was routed to a session while it loaded goes after what it had, unless the load read
     * it already: same seq, or same message id (in a cluster a message can reach the old owner,
     * which stored it, and this node, which held it, while the session moved).
     */
    private static void offerHeld(Session s, List<Pending> held, StoredSession stored) {
        if (held == null) {
            return;
        }
        java.util.Set<Long> loaded = new java.util.HashSet<>();
        java.util.Set<io.perch.broker.message.MessageId> loadedIds = new java.util.HashSet<>();
        if (stored != null) {
            stored.messages().forEach(o -> {
                loaded.add(o.seq());
                loadedIds.add(o.message().id());
            });
        }
        for (Pending p : held) {
            if (!loaded.contains(p.seq()) && !loadedIds.contains(p.message().id())) {
                s.offer(p);
            }
        }
    }

    private Session newSession(String id, ClientInfo info) {
        Session s = new Session(id, info, config.maxInflight, config.maxMqueueLen, config.maxMqueueBytes,
                config.mqueueStoreQos0, config.maxAwaitingRel, sessionHooks, stats, persistence, seqs, keptSessions);
        s.backpressure(config.backpressureQueueBytes, config.backpressureMaxWait.toMillis());
        return s;
    }

    /**
     * At start, before listeners bind: the sessions the store keeps become known (not loaded),
     * each with its expiry and unsent will scheduled ({@link DormantSessions#restore}).
     */
    public void restore(List<SessionPersistence.Dormant> stored) {
        dormant.restore(stored, publisher, restoring);
    }

    /** A dead node's stored sessions, taken over here; its inbox is delivered to them next (see ClusterInbound#adopt). */
    public void adopt(String deadNode, long inboxEntries, List<SessionPersistence.Dormant> stored) {
        DormantSessions.DrainSeqs drain = new DormantSessions.DrainSeqs(deadNode,
                io.perch.broker.session.Seqs.reserve(seqs, inboxEntries), inboxEntries);
        router.adopted(deadNode, stored.stream().map(SessionPersistence.Dormant::clientId).toList());
        dormant.restore(stored, publisher, restoring, drain);
    }

    /** The connection of a session closed (not by takeover): hand on shared messages, then end or keep the session. */
    public void connectionClosed(Session s, SessionConnection conn) {
        // Under the client id's stripe, like open(): a takeover either finds this connection
        // still attached and moves the session on, or finds the session this close ended.
        synchronized (stripe(s.clientId())) {
            List<Pending> shared = s.detach(conn, config.sharedRedispatch);
            if (shared == null) {
                return; // a newer connection took the session over meanwhile: it is not ours to end
            }
            if (!shared.isEmpty()) {
                router.redistribute(s, shared);
            }
            long expiry = s.expiryIntervalSeconds();
            if (expiry == 0) {
                end(s, "closed", HookPoints.SESSION_TERMINATED);
            } else if (expiry != NEVER_EXPIRE) {
                long at = s.disconnectedAt();
                s.expiryTask(scheduler.schedule(() -> expire(s, at), expiry, TimeUnit.SECONDS));
            }
        }
    }

    private Object stripe(String clientId) {
        return locks.of(clientId);
    }

    private void expire(Session s, long disconnectedAt) {
        synchronized (stripe(s.clientId())) {
            if (s.isConnected() || s.disconnectedAt() != disconnectedAt || store.get(s.clientId()) != s) {
                return;
            }
            stats.sessionsExpired.increment();
            log.info("session {} expired after {} s offline", s.clientId(), s.expiryIntervalSeconds());
            end(s, "expired", HookPoints.SESSION_TERMINATED);
        }
    }

    /**
     * Kicks a client: its session ends and its connection (if any) is told to go (v5 0x98).
     * Under the client id's stripe, like open, close and expiry, so a kick racing a reconnect
     * ends either the old session or the new one, never half of each.
     */
    public boolean kick(String clientId) {
        synchronized (stripe(clientId)) {
            Session s = store.get(clientId);
            if (s == null) {
                return false;
            }
            SessionConnection c = s.connection();
            end(s, "kicked", HookPoints.SESSION_TERMINATED);
            if (c != null) {
                c.disconnect(SessionConnection.Close.KICKED);
            }
            return true;
        }
    }

    /**
     * Another node takes the client over (cluster): its connection here is told to go (v5 0x8E),
     * and its session here, live or dormant, is let go without ending it: the store keeps it for
     * the new owner, which also sends its will if it comes to that. Completes when what this node
     * wrote for it is durable, so that the new owner reads all of it.
     */
    public java.util.concurrent.CompletionStage<Void> release(String clientId) {
        java.util.concurrent.CompletionStage<Void> written = null;
        synchronized (stripe(clientId)) {
            List<Pending> held = dormant.take(clientId, false);
            Session s = store.get(clientId);
            if (s != null) {
                SessionConnection c = s.connection();
                if (c != null) {
                    stats.sessionsTakenOver.increment();
                    hooks.fire(HookPoints.SESSION_TAKENOVER, new SessionEvent(s.client(), "takenover"));
                    log.info("client {} connected to another node: it takes the session over", clientId);
                    s.detach(c, false);
                }
                store.remove(s);
                synchronized (s) {
                    for (String key : s.endAndTakeSubscriptions()) {
                        tree.removeKey(key, clientId);
                    }
                    written = s.handOver();
                }
                if (c != null) {
                    c.disconnect(SessionConnection.Close.TAKEN_OVER);
                }
            } else if (held != null) {
                log.info("stored session {} moves to the node its client connected to", clientId);
            }
        }
        // Every batch of this client went to the store before this point; the store's flush
        // completes after all of them (it writes in order).
        java.util.concurrent.CompletionStage<Void> flushed = persistence.flushed();
        return written == null ? flushed : written.thenCombine(flushed, (a, b) -> null);
    }

    /** Ends a session (kick, expiry, discard): subscriptions go, a waiting will is sent now. */
    public void end(Session s, String reason, io.perch.broker.hook.HookPoint<SessionEvent> point) {
        store.remove(s);
        synchronized (s) {
            for (String key : s.endAndTakeSubscriptions()) {
                tree.removeKey(key, s.clientId());
            }
            s.forget();
        }
        Runnable will = s.takePendingWill();
        if (will != null) {
            will.run();
        }
        List<Pending> held = s.drainAll();
        for (Pending p : held) {
            if (p.isShared() && !router.dispatchShared(p.shareGroup(), p.shareFilter(), p.message(), s.clientId(), null,
                    new io.perch.broker.persist.DurableWrites())) {
                // The group's last member ended holding it: nobody is left to take it.
                stats.messagesDropped.increment();
                stats.messagesDroppedNoSubscribers.increment();
                sessionHooks.dropped(s, p.message(), "no_subscribers");
            }
        }
        hooks.fire(point, new SessionEvent(s.client(), reason));
        if (cluster.enabled()) {
            cluster.disown(s.clientId());
        }
    }
}
