package io.perch.redis.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.cluster.Cluster;
import io.perch.broker.cluster.ClusterInbound;
import io.perch.broker.cluster.Forward;
import io.perch.broker.cluster.NodeInfo;
import io.perch.broker.topic.SubscriptionTree;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.config.ClusterConfig;
import io.perch.redis.function.PoolRuntime;
import io.perch.redis.retain.RedisRetainedStore;
import io.perch.redis.session.RedisSessionPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This node's link to the other Perch nodes on the same Redis (docs/cluster.md), made of:
 * {@link Membership} (who is alive), {@link RouteTable} (which node subscribes to what),
 * {@link Outbox} and {@link Inbox} (forwarding and release requests through Streams),
 * {@link Ownership} (which node owns a client id; the session store fences the others' writes),
 * {@link Rpc} (admin queries answered by another node)
 * and {@link RetainedFeed} (retained changes, so every node's cache agrees with Redis).
 *
 * <p>Built by the Redis backend plugin before the broker (the broker is made with it), started
 * with the plugin, bound by the broker before its listeners. Threads: its parts say theirs;
 * the fields here are written once by {@link #start} and {@link #bind} before clients come.
 */
public final class RedisCluster implements Cluster {
    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);
    private static final SubscriptionTree<String> NO_ROUTES = new SubscriptionTree<>();
    /** How long a takeover from a dead node waits for its reaper beyond the time to find it dead. */
    private static final Duration REAP_WAIT = Duration.ofSeconds(60);

    private final ClusterConfig config;
    private volatile String node = "";
    private volatile int writerId;
    private ScheduledExecutorService executor;
    private ExecutorService drainer;
    private Membership membership;
    private volatile RouteTable routes;
    private Outbox outbox;
    private volatile Inbox inbox;
    private Ownership ownership;
    private RetainedFeed retainedFeed;
    private RedisSessionPersistence sessions;
    private volatile ClusterInbound inbound;
    private volatile Rpc rpc;
    /** Every handler served, also before {@link #start} (a plugin may register first); handed to {@link Rpc} there. */
    private final Map<String, CallHandler> early = new java.util.concurrent.ConcurrentHashMap<>();

    public RedisCluster(ClusterConfig config) {
        this.config = config;
    }

    public ClusterConfig config() {
        return config;
    }

    /**
     * Joins the cluster through the {@code cluster.pool}: announces this node (refused when a
     * live node already has its name), starts the route table, claims and fences through the
     * session store, and keeps the retained cache in step with the other nodes. Blocks until
     * Redis answered the join.
     *
     * @param dataDir where this node keeps its instance id (so a restart after a crash is the same node)
     */
    public void start(String nodeName, PoolRuntime pool, PoolConnector connector, RedisSessionPersistence sessions,
                      RedisRetainedStore retained, MeterRegistry registry, Map<String, String> details, Path dataDir) {
        this.node = nodeName;
        this.sessions = sessions;
        executor = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "perch-cluster"));
        drainer = Executors.newSingleThreadExecutor(r -> daemon(r, "perch-cluster-drain"));
        membership = new Membership(connector, nodeName, config, details, executor, registry, instance(dataDir));
        membership.join();
        writerId = writerId(connector);
        sessions.ownWriter(writerId);
        RouteTable table = new RouteTable(connector, membership, executor, registry);
        table.forwardsFlushed(() -> forwardsFlushed(pool, sessions));
        table.start();
        routes = table;
        outbox = new Outbox(pool, config.inboxMaxLen(), registry);
        ownership = new Ownership(nodeName, pool);
        sessions.fencing(ownership::epochOf, registry);
        sessions.restoreOwned(ownership);
        inbox = new Inbox(nodeName, connector, outbox, membership::alive, config.takeoverTimeout(),
                drainer, registry);
        membership.addListener(this::takeOverDeadNode);
        Rpc calls = new Rpc(connector, nodeName, config.rpcTimeout());
        calls.start();
        rpc = calls;
        early.forEach(calls::serve); // after publishing rpc: a serve() racing with start is kept either way
        if (retained != null) {
            retainedFeed = new RetainedFeed(connector, nodeName, executor, new RetainedFeed.Listener() {
                @Override
                public void changed(String topic) {
                    retained.refresh(topic);
                }

                @Override
                public void reloadAll() {
                    retained.reload();
                }
            }, Duration.ofSeconds(1), registry);
            retainedFeed.start();
            RetainedFeed feed = retainedFeed;
            retained.onChange(feed::published);
        }
        log.info("Cluster: node {} is one of {} node(s) on pool {}", nodeName, membership.nodes().size(), pool.name());
    }

    /**
     * A writer id for this run: a counter in Redis, 1-1023 round robin, so live nodes differ
     * unless 1,023 other starts happened while one of them ran.
     */
    private static int writerId(PoolConnector connector) {
        try (io.perch.redis.client.RedisLink l = connector.connect()) {
            long n = l.commands().incr(Lua.bytes(NodeKeys.WRITER_IDS)).get(5, TimeUnit.SECONDS);
            return (int) ((n - 1) % 1023) + 1;
        } catch (Exception e) {
            throw new IllegalStateException("cannot get a cluster writer id from Redis: " + e.getMessage(), e);
        }
    }

    @Override
    public int writerId() {
        return writerId;
    }

    /**
     * The instance id kept in {@code data/cluster/instance}: the same node restarted (after a
     * crash, its last heartbeat still fresh) joins again; another process with the same name
     * and another data dir is refused.
     */
    private static String instance(Path dataDir) {
        Path file = dataDir.resolve("cluster").resolve("instance");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(file.getParent());
            String id = java.util.UUID.randomUUID().toString();
            Files.writeString(file, id + "\n");
            return id;
        } catch (IOException e) {
            throw new IllegalStateException("cannot keep the cluster instance id in " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A dead node's clients become this node's: their stored sessions become known here (routed
     * to, wills and expiries scheduled), what its inbox still held is delivered to them, and
     * only then are they claimed. In that order because a CONNECT elsewhere waits for the dead
     * node to be reaped, then asks whoever owns the client: it must find the inbox delivered.
     * A claim lost (the client's CONNECT elsewhere gave up waiting and claimed it) lets that
     * session go here again. Idempotent: the reap is retried when it fails.
     */
    private CompletionStage<Void> takeOverDeadNode(String dead) {
        ClusterInbound in = inbound;
        if (in == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not bound to the broker yet"));
        }
        List<String> ids = new ArrayList<>();
        return ownership.ownedBy(dead).thenCompose(owned -> {
            ids.addAll(owned);
            return sessions.dormant(ids);
        }).thenCompose(dormant -> {
            if (!dormant.isEmpty()) {
                // Room for its inbox and what the second drain finds (an inbox holds about max_len).
                in.adopt(dead, 2 * config.inboxMaxLen(), dormant);
            }
            log.info("Cluster: node {} is dead; this node takes over its {} stored session(s)", dead, dormant.size());
            // Until every node routes the adopted sessions here, their messages still go to the
            // dead node's inbox; then its routes go, and what reached its inbox is delivered here.
            return routes.routesSeen(config.takeoverTimeout());
        }).thenCompose(v -> routes.forget(dead)).thenCompose(v -> drainUntilQuiet(dead, in)).thenCompose(v -> {
            List<CompletableFuture<Void>> claims = new ArrayList<>(ids.size());
            for (String id : ids) {
                claims.add(ownership.claim(id, dead).toCompletableFuture().thenCompose(c -> c.won()
                        ? CompletableFuture.<Void>completedFuture(null)
                        : in.release(id).toCompletableFuture()));
            }
            return CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new))
                    .thenRun(() -> in.drained(dead))
                    .thenRun(() -> log.info("Cluster: what node {}'s inbox held is delivered; its {} client(s) claimed",
                            dead, ids.size()));
        });
    }

    /**
     * Delivers the dead node's inbox, waits two heartbeat intervals (every node re-reads routes
     * each interval, or at once on the "dead" hint), and delivers what came meanwhile: a node
     * that forwarded to the dead node just before it heard that its routes were gone still gets
     * its message delivered. Each drain deletes the stream; an XADD later still than that makes
     * it again and is not delivered (docs/cluster.md).
     */
    private CompletionStage<Void> drainUntilQuiet(String dead, ClusterInbound in) {
        return inbox.drainDeadNode(dead, in).thenCompose(delivered -> {
            CompletableFuture<Void> later = new CompletableFuture<>();
            executor.schedule(() -> later.complete(null), config.heartbeatInterval().toMillis() * 2, TimeUnit.MILLISECONDS);
            return later.thenCompose(v -> inbox.drainDeadNode(dead, in));
        });
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public String nodeName() {
        return node;
    }

    @Override
    public void bind(ClusterInbound inbound) {
        ClusterInbound marked = new ClusterInbound() {
            @Override
            public CompletionStage<Void> deliver(Forward forward) {
                return inbound.deliver(forward);
            }

            @Override
            public CompletionStage<Void> release(String clientId) {
                // First: a CONNECT here that claimed it just before opens nothing.
                return ownership.released(clientId).exceptionally(e -> null)
                        .thenCompose(v -> inbound.release(clientId));
            }

            @Override
            public void adopt(String deadNode, long inboxEntries,
                              List<io.perch.broker.persist.SessionPersistence.Dormant> sessions) {
                inbound.adopt(deadNode, inboxEntries, sessions);
            }

            @Override
            public void drained(String deadNode) {
                inbound.drained(deadNode);
            }
        };
        this.inbound = marked;
        inbox.start(marked);
    }

    @Override
    public boolean holds(String clientId) {
        return ownership.holds(clientId);
    }

    @Override
    public SubscriptionTree<String> remoteRoutes() {
        RouteTable t = routes;
        return t == null ? NO_ROUTES : t.tree();
    }

    @Override
    public java.util.concurrent.locks.Lock routesReadLock() {
        RouteTable t = routes;
        return t == null ? Cluster.super.routesReadLock() : t.routingLock();
    }

    /**
     * Completes once every forward handed over before the call is in Redis: those a QoS 2
     * publish staged in the session store's group (the staging's barrier), then those submitted
     * to the pool's pipeline (an op behind them: it runs in order).
     */
    private static CompletionStage<Void> forwardsFlushed(PoolRuntime pool, RedisSessionPersistence sessions) {
        CompletionStage<Void> staged = pool.staged() != null && sessions != null ? sessions.flushed()
                : java.util.concurrent.CompletableFuture.completedFuture(null);
        return staged.thenCompose(v -> pool.pipeline().submit(io.perch.redis.client.RedisOp.write(FORWARDS_BARRIER,
                List.of(r -> r.ping())))).thenApply(r -> null);
    }

    private static final String FORWARDS_BARRIER = "cluster.forwards_flushed";

    @Override
    public void routeAdded(String key) {
        routes.added(key);
    }

    @Override
    public void routeRemoved(String key) {
        routes.removed(key);
    }

    @Override
    public CompletionStage<Void> forward(String node, Forward forward) {
        return outbox.forward(node, forward);
    }

    @Override
    public CompletionStage<Void> routesSeen() {
        return routes.routesSeen(config.takeoverTimeout());
    }


    @Override
    public CompletionStage<Void> requestRelease(String node, String clientId) {
        return inbox.requestRelease(node, clientId).thenCompose(v -> reapedIfDead(node)).thenApply(gone -> null);
    }

    /**
     * A node that did not answer because it died: wait until it is reaped, so that its sessions
     * and what its inbox still held have gone to the reaping node, and the CONNECT takes its
     * client from there (its claim against the dead node then loses, and it asks the new
     * owner). Without this, the client's messages still unread in the dead node's inbox would
     * go to a node that no longer has its session. A node that is merely slow (it heartbeated
     * lately) is not waited for: the fence keeps its late writes out. Bounded by twice
     * {@code node_timeout} plus {@link #REAP_WAIT} for the reaper to deliver the dead node's inbox.
     */
    @Override
    public CompletionStage<Boolean> reapedIfDead(String node) {
        if (!silent(node)) {
            return CompletableFuture.completedFuture(false);
        }
        log.info("Cluster: node {} does not answer and has not heartbeated lately; waiting until it is found dead "
                + "and its sessions are taken over", node);
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        pollUntilReaped(node, System.nanoTime() + REAP_WAIT.plus(config.nodeTimeout().multipliedBy(2)).toNanos(), done);
        return done;
    }

    /** Looks again after each heartbeat interval, on the cluster's executor, until reaped, heard from, or the deadline. */
    private void pollUntilReaped(String node, long deadline, CompletableFuture<Boolean> done) {
        try {
            executor.schedule(() -> {
                if (known(node) && silent(node) && System.nanoTime() < deadline) {
                    pollUntilReaped(node, deadline, done);
                } else {
                    done.complete(!known(node));
                }
            }, config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            done.complete(false);
        }
    }

    /** Still listed in Redis (not reaped yet). */
    private boolean known(String node) {
        return membership.nodes().stream().anyMatch(n -> n.name().equals(node));
    }

    /** Listed, and its last heartbeat older than three intervals (by Redis's clock). */
    private boolean silent(String node) {
        long quiet = config.heartbeatInterval().toMillis() * 3;
        return membership.nodes().stream().anyMatch(n -> n.name().equals(node)
                && (!n.alive() || membership.serverNow() - n.heartbeatAt() > quiet));
    }

    @Override
    public CompletionStage<Claim> claim(String clientId, String expected) {
        return ownership.claim(clientId, expected);
    }

    @Override
    public void disown(String clientId) {
        ownership.disown(clientId);
    }

    @Override
    public CompletionStage<byte[]> call(String node, String method, byte[] request) {
        Rpc r = rpc;
        if (r == null) {
            return CompletableFuture.failedFuture(new io.perch.broker.cluster.ClusterCallException(node, false,
                    "the cluster is not started"));
        }
        return r.call(node, method, request);
    }

    @Override
    public void serve(String method, CallHandler handler) {
        if (handler == null) {
            early.remove(method);
        } else {
            early.put(method, handler);
        }
        Rpc r = rpc;
        if (r != null) {
            r.serve(method, handler);
        }
    }

    @Override
    public List<NodeInfo> nodes() {
        return membership == null ? List.of() : membership.nodes();
    }

    /** Leaves the cluster (the others drop this node's routes at once) and stops every part. */
    public void stop() {
        if (membership != null) {
            try {
                membership.leave();
            } catch (RuntimeException e) {
                log.warn("Cluster: could not announce that node {} leaves ({}); the others find it dead after {}",
                        node, e.toString(), config.nodeTimeout());
            }
        }
        for (AutoCloseable c : new AutoCloseable[]{rpc, inbox, retainedFeed, routes, membership}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("Cluster: closing {}: {}", c.getClass().getSimpleName(), e.toString());
                }
            }
        }
        if (executor != null) {
            executor.shutdownNow();
            drainer.shutdownNow();
            try {
                executor.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
