package io.perch.redis.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.cluster.NodeInfo;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.client.RedisLink;
import io.perch.redis.config.ClusterConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This node's membership of the cluster: it announces itself in {@link NodeKeys#NODES} and
 * {@link NodeKeys#node}, heartbeats every {@code cluster.heartbeat_interval}, keeps the list of
 * nodes for the API, and reaps dead nodes (exactly one live node per dead one, by a lock).
 * <p>
 * Heartbeat times are the Redis server's clock ({@code TIME} inside the scripts), both when
 * written and when judged, so clock skew between the nodes' hosts cannot make a node look dead.
 * <p>
 * It talks to Redis over its own Lettuce connection, not the pool's {@code CommandPipeline}:
 * a heartbeat must not wait behind thousands of queued session writes (the node would look
 * dead while merely busy), and a heartbeat that failed is worthless later, so it is not kept
 * for replay as the pipeline keeps writes; the next tick writes a fresh one.
 * <p>
 * Threads: {@link #join}, {@link #leave} and {@link #close} run on the caller's thread (start
 * and stop). One tick at a time runs on the given executor (a tick's Redis reply hops back to
 * it; {@code ticking} orders consecutive ticks), and it alone writes {@code failing} and
 * {@code reaping}'s contents; {@code nodes} is a volatile snapshot any thread reads.
 */
public final class Membership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    /** Above any heartbeat: {@link MembershipScripts#FORGET} removes whatever the score. */
    private static final String ANY_SCORE = String.valueOf(Long.MAX_VALUE);

    /** Told of a dead node by the one live node that reaps it. */
    public interface Listener {
        /**
         * {@code node} stopped heartbeating for {@code cluster.node_timeout}: take over what it
         * held. The node's keys are removed only after every listener's stage completed
         * normally; when one fails they stay and the reap is tried again once the lock expires
         * (after {@code node_timeout}), possibly on another node, so listeners must be idempotent.
         * Called on the membership's executor: do not block.
         */
        CompletionStage<Void> onNodeDead(String node);
    }

    private final PoolConnector connector;
    private final String name;
    private final ClusterConfig config;
    private final ScheduledExecutorService executor;
    private final String instance;
    /** Field/value pairs announced in the node's hash besides instance and heartbeat. */
    private final List<String> announced;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> tickListeners = new CopyOnWriteArrayList<>();
    private final Counter heartbeatFailures;
    private final Counter reaped;
    private final Duration replyTimeout;
    private final AtomicBoolean ticking = new AtomicBoolean();
    /** Dead nodes this node is reaping now (listeners running), so a slow takeover is not started twice. */
    private final Set<String> reaping = ConcurrentHashMap.newKeySet();
    /** The renewals of the reap locks this node holds (executor thread). */
    private final Map<String, ScheduledFuture<?>> locksKept = new ConcurrentHashMap<>();
    private volatile RedisLink link;
    private volatile ScheduledFuture<?> beat;
    private volatile List<NodeInfo> nodes = List.of();
    /** Redis's clock at the last tick, for {@link #serverNow()}. */
    private volatile long lastServerNow;
    private boolean failing;
    private boolean conflicted;

    /**
     * @param connector the {@code cluster.pool}'s connector
     * @param details   what this node announces for display (listeners, api...); {@code version}
     *                  defaults to this jar's version, {@code started_at} to now
     * @param executor  where heartbeats and reaps run; a single thread is enough
     * @param registry  for {@code perch.cluster.heartbeat.failures}; null for none
     */
    public Membership(PoolConnector connector, String name, ClusterConfig config, Map<String, String> details,
                      ScheduledExecutorService executor, MeterRegistry registry) {
        this(connector, name, config, details, executor, registry, UUID.randomUUID().toString());
    }

    /**
     * @param instance what tells this node apart from another process started with the same
     *                 node.name: kept in the node's data dir, so the same node restarted after a
     *                 crash (its old heartbeat still fresh) is let in, and a second node is not
     */
    public Membership(PoolConnector connector, String name, ClusterConfig config, Map<String, String> details,
                      ScheduledExecutorService executor, MeterRegistry registry, String instance) {
        this.instance = instance;
        this.connector = connector;
        this.name = name;
        this.config = config;
        this.executor = executor;
        Map<String, String> all = new LinkedHashMap<>();
        String v = Membership.class.getPackage().getImplementationVersion();
        all.put("version", v == null ? "dev" : v);
        all.put("started_at", String.valueOf(System.currentTimeMillis()));
        all.putAll(details);
        all.remove("instance");
        all.remove("heartbeat");
        List<String> pairs = new ArrayList<>();
        all.forEach((k, val) -> {
            pairs.add(k);
            pairs.add(val);
        });
        this.announced = List.copyOf(pairs);
        this.heartbeatFailures = registry == null ? null : Counter.builder("perch.cluster.heartbeat.failures")
                .description("cluster heartbeats that did not reach Redis").register(registry);
        this.reaped = registry == null ? null : Counter.builder("perch.cluster.nodes.reaped")
                .description("dead nodes this node reaped").register(registry);
        // A reply later than this tells nothing about now: the next tick asks again.
        this.replyTimeout = config.heartbeatInterval().multipliedBy(2).compareTo(Duration.ofSeconds(1)) < 0
                ? Duration.ofSeconds(1) : config.heartbeatInterval().multipliedBy(2);
    }

    public String name() {
        return name;
    }

    /** The id telling this node apart from another started with the same node.name. */
    public String instance() {
        return instance;
    }

    public ClusterConfig config() {
        return config;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /** Runs on the executor after each tick refreshed {@link #nodes()} (the route table polls then). */
    public void addTickListener(Runnable r) {
        tickListeners.add(r);
    }

    /**
     * Announces this node and starts heartbeating. Throws when Redis cannot be reached, and
     * {@link IllegalStateException} when a live process (heartbeat within node_timeout, another
     * instance) already uses this node.name. Blocks the caller up to the connect and reply timeouts.
     */
    public void join() {
        List<String> args = new ArrayList<>(List.of(name, instance, String.valueOf(config.nodeTimeout().toMillis())));
        args.addAll(announced);
        List<Object> r = joinScript(args);
        if (((Long) r.get(0)) == 0) {
            throw new IllegalStateException("node.name " + name + " is already used by a running node (heartbeat "
                    + r.get(1) + " ms ago); give each node its own node.name");
        }
        lastServerNow = (Long) r.get(1);
        log.info("Cluster: node {} joined through pool {} (instance {})", name, connector.config().name(), instance);
        long every = config.heartbeatInterval().toMillis();
        beat = executor.scheduleAtFixedRate(this::tick, 0, every, TimeUnit.MILLISECONDS);
    }

    /** Every node in {@link NodeKeys#NODES}, this one included, as of the last successful tick (never blocks). */
    public List<NodeInfo> nodes() {
        return nodes;
    }

    /** The live nodes other than this one, as of the last tick. */
    public List<String> liveOthers() {
        List<String> out = new ArrayList<>();
        for (NodeInfo n : nodes) {
            if (n.alive() && !n.name().equals(name)) {
                out.add(n.name());
            }
        }
        return out;
    }

    /**
     * Whether {@code node} is alive: as of the last tick when it was listed then; else read
     * from Redis now, since it may have joined after that tick (its heartbeat within
     * node_timeout of Redis's clock then). Never blocks; a failed read says alive, so that
     * the caller asks the node rather than pass over one that lives.
     */
    public CompletionStage<Boolean> alive(String node) {
        for (NodeInfo n : nodes) {
            if (n.name().equals(node)) {
                return CompletableFuture.completedFuture(n.alive());
            }
        }
        RedisLink l = link;
        if (l == null) {
            return CompletableFuture.completedFuture(true);
        }
        try {
            return l.commands().zscore(Lua.bytes(NodeKeys.NODES), Lua.bytes(node)).toCompletableFuture()
                    .orTimeout(config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS)
                    .handle((score, e) -> e != null
                            || score != null && lastServerNow - score.longValue() <= config.nodeTimeout().toMillis());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(true); // REJECT_COMMANDS while disconnected
        }
    }

    /**
     * As {@link #liveOthers()}, read from Redis now: a node that joined since the last tick is
     * in it. The last tick's view when the read fails. Never blocks.
     */
    public CompletionStage<List<String>> liveOthersNow() {
        RedisLink l = link;
        if (l == null) {
            return CompletableFuture.completedFuture(liveOthers());
        }
        try {
            long since = lastServerNow - config.nodeTimeout().toMillis();
            return l.commands().zrangebyscore(Lua.bytes(NodeKeys.NODES),
                            io.lettuce.core.Range.create((double) since, Double.POSITIVE_INFINITY))
                    .toCompletableFuture().orTimeout(config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS)
                    .handle((names, e) -> {
                        if (e != null) {
                            return liveOthers();
                        }
                        List<String> out = new ArrayList<>();
                        for (byte[] n : names) {
                            String node = Lua.str(n);
                            if (!node.equals(name)) {
                                out.add(node);
                            }
                        }
                        return out;
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(liveOthers()); // REJECT_COMMANDS while disconnected
        }
    }

    /** Redis's clock (epoch ms) at the last successful tick. */
    public long serverNow() {
        return lastServerNow;
    }

    /**
     * One heartbeat: beat, read every node, reap the dead. Never throws (an exception would
     * cancel the schedule); a tick still waiting for Redis makes the next one skip.
     */
    void tick() {
        if (!ticking.compareAndSet(false, true)) {
            return;
        }
        try {
            RedisLink l = link;
            if (l == null) {
                ticking.set(false);
                return;
            }
            List<String> args = new ArrayList<>(List.of(name, instance));
            args.addAll(announced);
            eval(l, MembershipScripts.BEAT, List.of(NodeKeys.NODES, NodeKeys.node(name)), args)
                    .whenCompleteAsync((r, e) -> {
                        try {
                            if (e != null) {
                                failed(e);
                            } else {
                                beaten(r);
                            }
                        } catch (RuntimeException ex) {
                            log.warn("Cluster: heartbeat of node {} failed", name, ex);
                        } finally {
                            ticking.set(false);
                        }
                    }, executor);
        } catch (RuntimeException e) {
            // REJECT_COMMANDS while disconnected, or a closed executor
            failed(e);
            ticking.set(false);
        }
    }

    private void failed(Throwable e) {
        if (heartbeatFailures != null) {
            heartbeatFailures.increment();
        }
        if (!failing) {
            failing = true;
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            log.warn("Cluster: heartbeat of node {} cannot reach Redis ({}); retrying every {} ms", name,
                    c.toString(), config.heartbeatInterval().toMillis());
        }
    }

    private void beaten(List<Object> r) {
        if (failing) {
            failing = false;
            log.info("Cluster: heartbeat of node {} reaches Redis again", name);
        }
        long now = (Long) r.get(0);
        long status = (Long) r.get(1);
        lastServerNow = now;
        if (status == 0 && !conflicted) {
            conflicted = true;
            log.error("Cluster: another process (not instance {}) now runs as node.name {}; this node stopped "
                    + "heartbeating so as not to steal its name. Give each node its own node.name", instance, name);
        } else if (status == 2) {
            log.warn("Cluster: the Redis entry of node {} was gone (Redis lost data, or the node was declared dead "
                    + "after a long pause); announced it again", name);
        } else if (status == 1) {
            conflicted = false;
        }
        long timeout = config.nodeTimeout().toMillis();
        List<NodeInfo> list = new ArrayList<>();
        for (int i = 2; i + 2 < r.size(); i += 3) {
            String node = str(r.get(i));
            long at = (long) Double.parseDouble(str(r.get(i + 1)));
            Map<String, String> details = hash(r.get(i + 2));
            list.add(new NodeInfo(node, now - at <= timeout, at, details));
        }
        nodes = List.copyOf(list);
        for (NodeInfo n : list) {
            if (!n.alive() && !n.name().equals(name) && !reaping.contains(n.name())) {
                reap(n);
            }
        }
        for (Runnable t : tickListeners) {
            try {
                t.run();
            } catch (RuntimeException e) {
                log.warn("Cluster: a tick listener failed", e);
            }
        }
    }

    /** Extends this node's reap lock of {@code dead} by node_timeout, if it still holds it. */
    private void keepLock(RedisLink l, String dead) {
        try {
            eval(l, MembershipScripts.KEEP_LOCK, List.of(NodeKeys.reap(dead)),
                    List.of(name, String.valueOf(config.nodeTimeout().toMillis())))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            log.debug("Cluster: could not extend the reap lock of {} ({})", dead, e.toString());
                        }
                    });
        } catch (RuntimeException e) {
            log.debug("Cluster: could not extend the reap lock of {} ({})", dead, e.toString());
        }
    }

    /** Takes the reap lock of a dead node; whoever gets it tells the listeners, then forgets the node. */
    private void reap(NodeInfo dead) {
        RedisLink l = link;
        reaping.add(dead.name());
        CompletableFuture<String> lock = l.commands().set(bytes(NodeKeys.reap(dead.name())), bytes(name),
                io.lettuce.core.SetArgs.Builder.nx().px(config.nodeTimeout().toMillis()))
                .toCompletableFuture().orTimeout(replyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        lock.thenComposeAsync(ok -> {
            if (!"OK".equals(ok)) {
                return CompletableFuture.completedFuture(false); // another node reaps it
            }
            log.warn("Cluster: node {} has not heartbeated for {} ms (node_timeout {} ms); node {} takes over what it held",
                    dead.name(), lastServerNow - dead.heartbeatAt(), config.nodeTimeout().toMillis(), name);
            // The lock outlives node_timeout only while this node works on it: a takeover that
            // takes longer (a big inbox to deliver) must not be started again by another node.
            ScheduledFuture<?> keep = executor.scheduleWithFixedDelay(() -> keepLock(l, dead.name()),
                    config.heartbeatInterval().toMillis(), config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
            locksKept.put(dead.name(), keep);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Listener li : listeners) {
                try {
                    all.add(li.onNodeDead(dead.name()).toCompletableFuture());
                } catch (RuntimeException e) {
                    all.add(CompletableFuture.failedFuture(e));
                }
            }
            return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .thenCompose(v -> forget(l, dead.name(), String.valueOf(dead.heartbeatAt()), "", "dead " + dead.name()))
                    .thenApply(removed -> {
                        if (removed && reaped != null) {
                            reaped.increment();
                        }
                        return removed;
                    });
        }, executor).whenCompleteAsync((removed, e) -> {
            ScheduledFuture<?> keep = locksKept.remove(dead.name());
            if (keep != null) {
                keep.cancel(false);
            }
            reaping.remove(dead.name());
            if (e != null) {
                log.warn("Cluster: reaping node {} failed; tried again after node_timeout: {}", dead.name(), e.toString());
            }
        }, executor);
    }

    private CompletableFuture<Boolean> forget(RedisLink l, String node, String lastBeat, String instanceMustBe,
                                              String hint) {
        return eval(l, MembershipScripts.FORGET, List.of(NodeKeys.NODES, NodeKeys.node(node), NodeKeys.routes(node),
                NodeKeys.ROUTES_VERSION, NodeKeys.seen(node)), List.of(node, lastBeat, instanceMustBe, hint))
                .thenApply(r -> r.isEmpty() ? false : ((Long) r.get(0)) == 1);
    }

    /**
     * A clean stop: no more heartbeats, and this node's entries, routes and seen versions
     * leave Redis at once (if this process still holds the name), with a "left" hint so the
     * others drop its routes without waiting for a poll. Waits up to the reply timeout; a
     * Redis that does not answer leaves the node to be reaped after node_timeout.
     */
    public void leave() {
        stopBeating();
        RedisLink l = link;
        if (l != null) {
            try {
                forget(l, name, ANY_SCORE, instance, "left " + name).get(replyTimeout.toMillis(), TimeUnit.MILLISECONDS);
                log.info("Cluster: node {} left", name);
            } catch (Exception e) {
                log.warn("Cluster: node {} could not tell Redis it leaves ({}); the others reap it after {} ms", name,
                        e.toString(), config.nodeTimeout().toMillis());
            }
        }
        close();
    }

    private void stopBeating() {
        ScheduledFuture<?> b = beat;
        if (b != null) {
            b.cancel(false);
        }
    }

    /** Stops heartbeating and closes the connection, leaving the entries for the others to reap. */
    @Override
    public void close() {
        stopBeating();
        RedisLink l = link;
        link = null;
        if (l != null) {
            l.close();
        }
    }

    private CompletableFuture<List<Object>> eval(RedisLink l, String script, List<String> keys, List<String> args) {
        return Lua.eval(l, script, keys, args, replyTimeout);
    }

    /** How long a start waits for a Redis that is loading its data or not yet up. */
    static final java.time.Duration JOIN_WAIT = java.time.Duration.ofSeconds(60);

    /**
     * Runs the join script, waiting up to {@link #JOIN_WAIT} while Redis is loading its data
     * set or refuses connections (a Redis restarted with the node, say): those pass, and the
     * node would otherwise fail to start for nothing. Any other answer ends the wait at once.
     */
    private List<Object> joinScript(List<String> args) {
        long deadline = System.nanoTime() + JOIN_WAIT.toNanos();
        long pause = 100;
        boolean logged = false;
        while (true) {
            try {
                RedisLink l = link;
                if (l == null) {
                    l = connector.connect();
                    link = l;
                }
                return await(eval(l, MembershipScripts.JOIN, List.of(NodeKeys.NODES, NodeKeys.node(name)), args));
            } catch (RuntimeException e) {
                if (!passing(e) || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) > deadline) {
                    throw e;
                }
                if (!logged) {
                    logged = true;
                    log.warn("Cluster: Redis pool {} cannot take node {} yet ({}); waiting up to {} s",
                            connector.config().name(), name, e.getMessage(), JOIN_WAIT.toSeconds());
                }
                try {
                    Thread.sleep(pause); // a retry's pacing, not a wait for a result
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = Math.min(1000, pause * 2);
            }
        }
    }

    /** Redis loading its data, or not accepting connections yet: worth waiting for at start. */
    private static boolean passing(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.lettuce.core.RedisLoadingException || t instanceof io.lettuce.core.RedisConnectionException
                    || t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    private <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining the cluster", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cluster: cannot reach Redis pool " + connector.config().name() + ": "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e.getCause());
        }
    }

    private static byte[] bytes(String s) {
        return Lua.bytes(s);
    }

    private static String str(Object o) {
        return Lua.str(o);
    }

    private static Map<String, String> hash(Object o) {
        Map<String, String> m = new LinkedHashMap<>();
        if (o instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) {
                String k = str(l.get(i));
                if (!k.equals("instance")) {
                    m.put(k, str(l.get(i + 1)));
                }
            }
        }
        return m;
    }
}
