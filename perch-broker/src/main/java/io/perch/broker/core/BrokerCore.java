package io.perch.broker.core;

import io.netty.channel.EventLoopGroup;
import io.perch.broker.cluster.Cluster;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.route.Router;
import io.perch.broker.session.KeptSessions;
import io.perch.broker.session.SessionStore;
import io.perch.broker.stats.BrokerStats;

import java.util.concurrent.atomic.AtomicLong;
import io.perch.broker.topic.SubscriptionTree;

/**
 * The services every connection handler needs, built once per broker and passed in (no
 * static state): config, hooks, stats, sessions, routing, retained store, ids, timers.
 */
public final class BrokerCore {
    public final BrokerConfig config;
    /** The other nodes on the same Redis; {@link Cluster#NONE} for a single node. */
    public final Cluster cluster;
    public final HookRegistry hooks;
    public final BrokerStats stats;
    /** Subscribers by client id (see {@link Router}). */
    public final SubscriptionTree<String> tree;
    public final RetainedStore retained;
    public final Router router;
    public final SessionManager sessions;
    /** Subscribing and unsubscribing sessions (table and tree together, retained, hooks). */
    public final Subscriptions subscriptions;
    public final Publisher publisher;
    public final MessageIdGenerator ids;
    /** Stored sessions not in memory (after a restart, until their clients return). */
    public final DormantSessions dormant;
    /** Sessions that outlive their connection, in memory and dormant (mqtt.max_stored_sessions). */
    public final KeptSessions keptSessions;
    public final EventLoopGroup workers;
    /** Who was recently logged for malformed packets or protocol errors (logged once per window). */
    public final RecentOffenders offenders = new RecentOffenders();
    public final long startedAt = System.currentTimeMillis();
    /** The seqs durable sessions give the messages they accept ({@link io.perch.broker.session.Seqs}). */
    public final AtomicLong seqs;
    /** Closed by the broker while it reads the stored sessions with its listeners already bound. */
    public final RestoreGate restoreGate = new RestoreGate();

    public BrokerCore(BrokerConfig config, HookRegistry hooks, SessionStore store, RetainedStore retained,
                      EventLoopGroup workers) {
        this(config, hooks, store, retained, workers, SessionPersistence.NONE);
    }

    public BrokerCore(BrokerConfig config, HookRegistry hooks, SessionStore store, RetainedStore retained,
                      EventLoopGroup workers, SessionPersistence persistence) {
        this(config, hooks, store, retained, workers, persistence, Cluster.NONE);
    }

    public BrokerCore(BrokerConfig config, HookRegistry hooks, SessionStore store, RetainedStore retained,
                      EventLoopGroup workers, SessionPersistence persistence, Cluster cluster) {
        this.config = config;
        this.cluster = cluster;
        this.hooks = hooks;
        this.stats = new BrokerStats();
        this.tree = cluster.enabled() ? new SubscriptionTree<>(new SubscriptionTree.RouteListener() {
            @Override
            public void routeAdded(String key) {
                cluster.routeAdded(key);
            }

            @Override
            public void routeRemoved(String key) {
                cluster.routeRemoved(key);
            }
        }) : new SubscriptionTree<>();
        this.retained = retained;
        this.ids = new MessageIdGenerator(config.nodeName);
        ClientLocks locks = new ClientLocks();
        // Keys durable sessions' messages: increasing, and seeded from the clock, so across restarts too.
        AtomicLong seqs = io.perch.broker.session.Seqs.counter();
        this.seqs = seqs;
        this.keptSessions = new KeptSessions(config.maxStoredSessions);
        this.dormant = new DormantSessions(locks, store, persistence, tree, workers, ids, seqs, stats, config.nodeName,
                config.mqueueStoreQos0, config.maxMqueueLen, config.maxMqueueBytes, keptSessions, cluster);
        this.router = new Router(tree, store, dormant, config.maxQosAllowed, cluster);
        this.workers = workers;
        this.publisher = new Publisher(config, hooks, retained, router, stats, workers, persistence, restoreGate, ids);
        this.subscriptions = new Subscriptions(config, hooks, store, tree, retained, workers);
        this.sessions = new SessionManager(config, hooks, stats, store, router, workers, persistence, publisher, locks,
                dormant, seqs, tree, keptSessions, restoreGate, cluster);
    }
}
