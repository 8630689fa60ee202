package io.perch.broker.core;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.hook.event.DroppedEvent;
import io.perch.broker.hook.event.SessionEvent;
import io.perch.broker.hook.event.SubscribedEvent;
import io.perch.broker.hook.event.UnsubscribedEvent;
import io.perch.broker.message.Message;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.route.Router;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionConnection;
import io.perch.broker.session.SessionListener;
import io.perch.broker.session.SessionStore;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.topic.SubscriptionTree;
import io.perch.broker.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Creates, resumes, takes over, expires and ends sessions, and keeps the subscription tree in
 * step with each session's own subscription table.
 *
 * <p>Opening, closing, expiring and kicking a session are serialised on a lock stripe of its
 * client id, so two CONNECTs with one id racing on different event loops cannot both win and a
 * kick cannot interleave with a takeover. A session's subscription table and the tree change
 * together under the session's monitor (lock order: stripe, then session, then the tree's lock).
 * Both stay until a session has a single owning executor (issue "Session core as data").
 */
public final class SessionManager implements SessionListener {
    private static final Logger log = LoggerFactory.getLogger(SessionManager.class);
    /** MQTT 5: a Session Expiry Interval of 0xFFFFFFFF means the session never expires. */
    public static final long NEVER_EXPIRE = 0xFFFFFFFFL;

    private final BrokerConfig config;
    private final HookRegistry hooks;
    private final BrokerStats stats;
    private final SessionStore store;
    private final SubscriptionTree<String> tree;
    private final Router router;
    private final RetainedStore retained;
    private final ScheduledExecutorService scheduler;
    private final ClientLocks locks;
    private final SessionPersistence persistence;
    private final DormantSessions dormant;
    private final Publisher publisher;
    private final AtomicLong seqs;

    public SessionManager(BrokerConfig config, HookRegistry hooks, BrokerStats stats, SessionStore store,
                          SubscriptionTree<String> tree, Router router, RetainedStore retained,
                          ScheduledExecutorService scheduler, SessionPersistence persistence, Publisher publisher,
                          ClientLocks locks, DormantSessions dormant, AtomicLong seqs) {
        this.persistence = persistence;
        this.publisher = publisher;
        this.locks = locks;
        this.dormant = dormant;
        this.seqs = seqs;
        this.config = config;
        this.hooks = hooks;
        this.stats = stats;
        this.store = store;
        this.tree = tree;
        this.router = router;
        this.retained = retained;
        this.scheduler = scheduler;
    }

    public SessionStore store() {
        return store;
    }

    public record Opened(Session session, boolean present) {
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
        synchronized (stripe(clientId)) {
            if (cleanStart || !persistence.durable() || store.get(clientId) != null || !dormant.contains(clientId)) {
                return false;
            }
            dormant.loading(clientId);
            return true;
        }
    }

    /** The load begun by {@link #beginLoad} failed: the session stays in the store, dormant. */
    public void loadFailed(String clientId) {
        dormant.loadFailed(clientId);
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
            List<Pending> held = dormant.take(id, stored != null && !cleanStart);
            if (held != null && cleanStart) {
                persistence.write(List.of(new Change.SessionDeleted(id))); // a clean start discards it (MQTT-3.1.2-4)
                held = null;
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
                Session s = newSession(id, info);
                s.restore(stored, expirySeconds);
                for (Map.Entry<String, SubscriptionOptions> e : stored.subscriptions().entrySet()) {
                    Topics.Parsed p = Topics.parseSubscription(e.getKey());
                    if (p != null) {
                        addToTree(s, p, e.getValue());
                    }
                }
                store.put(s);
                result = new Opened(s, true);
            } else {
                if (existing != null) {
                    end(existing, "discarded", HookPoints.SESSION_DISCARDED);
                }
                Session s = newSession(id, info);
                s.expiryIntervalSeconds(expirySeconds);
                store.put(s);
                result = new Opened(s, false);
            }
            if (held != null) {
                held.forEach(result.session()::offer); // routed while it loaded: after what it had
            }
            if (old != null) {
                // Told only now, so that when the old connection closes the store already says
                // whether its session lives on (resumed) or ended (clean start): its will depends on it.
                old.disconnect(SessionConnection.Close.TAKEN_OVER);
            }
        }
        hooks.fire(result.present() ? HookPoints.SESSION_RESUMED : HookPoints.SESSION_CREATED, new SessionEvent(info, null));
        return result;
    }

    private Session newSession(String id, ClientInfo info) {
        return new Session(id, info, config.maxInflight, config.maxMqueueLen, config.mqueueStoreQos0,
                config.maxAwaitingRel, this, stats, persistence, seqs);
    }

    /**
     * At start, before listeners bind: the sessions the store keeps become known (not loaded),
     * each with its expiry and unsent will scheduled ({@link DormantSessions#restore}).
     */
    public void restore(List<SessionPersistence.Dormant> stored) {
        dormant.restore(stored, publisher);
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

    /** Ends a session (kick, expiry, discard): subscriptions go, a waiting will is sent now. */
    public void end(Session s, String reason, io.perch.broker.hook.HookPoint<SessionEvent> point) {
        store.remove(s);
        synchronized (s) {
            for (String key : s.endAndTakeSubscriptions()) {
                removeFromTree(s, key);
            }
            s.forget();
        }
        Runnable will = s.takePendingWill();
        if (will != null) {
            will.run();
        }
        List<Pending> held = s.drainAll();
        for (Pending p : held) {
            if (p.isShared() && !router.dispatchShared(p.shareGroup(), p.shareFilter(), p.message(), s.clientId(), null)) {
                // The group's last member ended holding it: nobody is left to take it.
                stats.messagesDropped.increment();
                stats.messagesDroppedNoSubscribers.increment();
                dropped(s, p.message(), "no_subscribers");
            }
        }
        hooks.fire(point, new SessionEvent(s.client(), reason));
    }

    /**
     * Adds a subscription (raw filter, possibly $share/$queue) to the session and the tree.
     * Returns whether it is new; the caller sends SUBACK and then calls {@link #afterSubscribe}.
     */
    public boolean subscribe(Session s, Topics.Parsed parsed, SubscriptionOptions options) {
        String key = Topics.key(parsed.group(), parsed.filter());
        // The session's table and the tree change together under the session's monitor: the
        // client's own (UN)SUBSCRIBE, the Redis subscription channel, the REST API and the end
        // of the session come from different threads, and interleaved they left a filter in
        // the table with no tree entry (or a tree entry for an ended session).
        synchronized (s) {
            if (s.hasEnded()) {
                return false;
            }
            boolean isNew = addToTree(s, parsed, options);
            s.subscriptions().put(key, options);
            s.subscriptionChanged(key, options);
            return isNew;
        }
    }

    private boolean addToTree(Session s, Topics.Parsed parsed, SubscriptionOptions options) {
        return parsed.isShared() ? tree.addShared(parsed.group(), parsed.filter(), s.clientId(), options)
                : tree.add(parsed.filter(), s.clientId(), options);
    }

    /**
     * Sends retained messages as the retain handling option says, then fires
     * session.subscribed. A store that answers later (over the network) is continued on an
     * event loop, never on the store's thread.
     */
    public void afterSubscribe(Session s, Topics.Parsed parsed, SubscriptionOptions o, boolean isNew) {
        boolean sendRetained = !parsed.isShared() && (o.retainHandling() == 0 || (o.retainHandling() == 1 && isNew));
        SubscribedEvent event = new SubscribedEvent(s.client(), parsed.filter(), o, isNew);
        if (!sendRetained) {
            hooks.fire(HookPoints.SESSION_SUBSCRIBED, event);
            return;
        }
        CompletableFuture<List<Message>> f = retained.match(parsed.filter()).toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            sendRetained(s, o, f.join(), event);
            return;
        }
        f.whenCompleteAsync((msgs, err) -> {
            if (err != null) {
                log.warn("client {}: retained messages for {} could not be read: {}", s.clientId(), parsed.filter(),
                        err.toString());
                hooks.fire(HookPoints.SESSION_SUBSCRIBED, event);
            } else {
                sendRetained(s, o, msgs, event);
            }
        }, scheduler);
    }

    private void sendRetained(Session s, SubscriptionOptions o, List<Message> msgs, SubscribedEvent event) {
        int[] ids = o.subscriptionId() > 0 ? new int[]{o.subscriptionId()} : null;
        for (Message m : msgs) {
            int qos = Math.min(Math.min(m.qos(), o.qos()), config.maxQosAllowed);
            s.offer(Pending.of(m, qos, true, ids));
        }
        hooks.fire(HookPoints.SESSION_SUBSCRIBED, event);
    }

    public boolean unsubscribe(Session s, String rawFilter) {
        Topics.Parsed parsed = Topics.parseSubscription(rawFilter);
        if (parsed == null) {
            return false;
        }
        String key = Topics.key(parsed.group(), parsed.filter());
        synchronized (s) { // with subscribe: see there
            if (s.subscriptions().remove(key) == null) {
                return false;
            }
            removeFromTree(s, key);
            s.subscriptionChanged(key, null);
        }
        hooks.fire(HookPoints.SESSION_UNSUBSCRIBED, new UnsubscribedEvent(s.client(), parsed.filter()));
        return true;
    }

    private void removeFromTree(Session s, String key) {
        Topics.Parsed p = Topics.parseSubscription(key);
        if (p == null) {
            return;
        }
        if (p.isShared()) {
            tree.removeShared(p.group(), p.filter(), s.clientId());
        } else {
            tree.remove(p.filter(), s.clientId());
        }
    }

    /** Subscriptions of a session keyed as the client sent them. */
    public Map<String, SubscriptionOptions> subscriptions(String clientId) {
        Session s = store.get(clientId);
        return s == null ? Map.of() : Map.copyOf(s.subscriptions());
    }

    // ---- SessionListener: session events become hooks ---------------------------------

    @Override
    public void delivered(Session session, Message message) {
        stats.messagesSent.increment();
        if (hooks.hasCallbacks(HookPoints.MESSAGE_DELIVERED)) {
            hooks.fire(HookPoints.MESSAGE_DELIVERED, new DeliveryEvent(session.client(), message));
        }
    }

    @Override
    public void acked(Session session, Message message) {
        stats.messagesAcked.increment();
        if (hooks.hasCallbacks(HookPoints.MESSAGE_ACKED)) {
            hooks.fire(HookPoints.MESSAGE_ACKED, new DeliveryEvent(session.client(), message));
        }
    }

    @Override
    public void dropped(Session session, Message message, String reason) {
        if (hooks.hasCallbacks(HookPoints.MESSAGE_DROPPED)) {
            hooks.fire(HookPoints.MESSAGE_DROPPED, new DroppedEvent(message, session.clientId(), reason));
        }
    }
}
