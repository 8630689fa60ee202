package io.perch.redis.cluster;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.cluster.NodeInfo;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.topic.SubscriptionTree;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.client.RedisLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which nodes have subscribers for which route keys (filters, {@code $share/g/f}, {@code $queue/f}).
 * <p>
 * Local side: {@link #added} / {@link #removed} only queue the change (they run under the
 * broker's subscription-tree lock); a writer applies queued changes to
 * {@link NodeKeys#routes this node's set} in order, up to {@value #BATCH} per Lua script that
 * also bumps {@link NodeKeys#ROUTES_VERSION} and publishes a hint. While Redis is down the
 * failed batch is kept and retried (later changes wait behind it); when Redis lost the set
 * (restart without data) the whole local set is written again.
 * <p>
 * Remote side: {@link #tree()} holds the other nodes' routes, subscribers being node names.
 * Hints on {@link NodeKeys#HINTS} make it fresh quickly; the poll on every membership tick
 * (HGETALL of the versions; a node whose version differs is read again) makes it correct
 * when a hint is lost. After applying a node's routes (under the write lock routing's read
 * lock keeps out) this node records the version in {@link NodeKeys#seen}, which
 * {@link #seenByAll} reads, once what it forwarded before is in Redis.
 * <p>
 * Threads: the broker calls {@link #added}/{@link #removed} (a short synchronized queue). The
 * executor, which must run one task at a time (a single-thread scheduler), owns everything
 * else: the local set, the pending batch, the remote cache; Redis replies and hints hop back
 * to it. {@link #tree()} is thread-safe itself; {@link #localVersion()} is volatile.
 */
public final class RouteTable implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RouteTable.class);
    static final int BATCH = 1000;
    private static final SubscriptionOptions REMOTE = SubscriptionOptions.ofQos(2);
    private static final Duration SEEN_POLL = Duration.ofMillis(25);

    private final PoolConnector connector;
    private final String me;
    private final Membership membership;
    private final ScheduledExecutorService executor;
    private final Duration replyTimeout;
    private final Duration retryDelay;
    private final Counter writeFailures;
    private final Counter seenTimeouts;

    // Broker threads: guarded by "queue".
    private final ArrayDeque<Change> queue = new ArrayDeque<>();
    private long enqueued;
    private final AtomicBoolean kicked = new AtomicBoolean();

    // Executor thread only.
    private final Set<String> local = new HashSet<>();
    private Write pending;
    private boolean writing;
    private boolean rewrite;
    private boolean failing;
    private boolean retryScheduled;
    private long drainedSeq;
    private long writes;
    private final List<Waiter> waiters = new ArrayList<>();
    private final Map<String, Remote> remote = new HashMap<>();
    private boolean seenDirty;

    private final SubscriptionTree<String> tree = new SubscriptionTree<>();
    /** Routing holds the read lock from its match to its forwards' hand-over; {@link #tree} changes under the write lock. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock routing = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /**
     * Completes once what this node forwarded before the call is in Redis (set by the cluster,
     * which owns the forwards' pool); the seen versions are written only after it.
     */
    private volatile java.util.function.Supplier<CompletionStage<Void>> forwardsFlushed =
            () -> CompletableFuture.completedFuture(null);
    private boolean seenWriting;
    private boolean seenAgain;
    private volatile long localVersion;
    private volatile long appliedSeq;
    private volatile boolean closed;
    private volatile RedisLink link;
    private volatile StatefulRedisPubSubConnection<String, String> hints;

    private record Change(boolean add, String key, long seq) {
    }

    /** A batch on its way to Redis ({@code ops} null: the whole local set). */
    private record Write(List<String> ops, boolean mustExist, long maxSeq) {
    }

    private record Waiter(long seq, CompletableFuture<Long> done) {
    }

    /** What this node knows of another node's routes. */
    private static final class Remote {
        long version = -1;
        Set<String> keys = new HashSet<>();
        boolean loading;
        boolean again;
    }

    /**
     * @param connector  the cluster pool's connector (its own command and pub/sub connections are opened by {@link #start})
     * @param membership this node's membership: which nodes live, and the tick that polls
     * @param executor   a single-thread scheduler (may be the membership's)
     * @param registry   for {@code perch.cluster.routes.write_failures} and {@code .seen_timeouts}; null for none
     */
    public RouteTable(PoolConnector connector, Membership membership, ScheduledExecutorService executor,
                      MeterRegistry registry) {
        this.connector = connector;
        this.me = membership.name();
        this.membership = membership;
        this.executor = executor;
        Duration hb = membership.config().heartbeatInterval();
        this.replyTimeout = hb.multipliedBy(2).compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : hb.multipliedBy(2);
        this.retryDelay = hb;
        this.writeFailures = registry == null ? null : Counter.builder("perch.cluster.routes.write_failures")
                .description("route change batches that did not reach Redis (kept and retried)").register(registry);
        this.seenTimeouts = registry == null ? null : Counter.builder("perch.cluster.routes.seen_timeouts")
                .description("waits for every node to see this node's routes that ran out of time").register(registry);
    }

    /**
     * Opens the connections, subscribes to the hints and polls on every membership tick.
     * Throws when Redis cannot be reached now.
     */
    public void start() {
        link = connector.connect();
        StatefulRedisPubSubConnection<String, String> ps = connector.connectPubSub();
        ps.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                if (!closed) {
                    executor.execute(() -> hint(message));
                }
            }
        });
        ps.async().subscribe(NodeKeys.HINTS);
        hints = ps;
        membership.addTickListener(this::poll);
        kick();
    }

    /**
     * A dead node's reaper: its routes leave Redis (and, by the "dead" hint and the next poll,
     * every node's cache), so nothing more is forwarded to it.
     */
    public CompletionStage<Void> forget(String node) {
        RedisLink l = link;
        if (l == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("route table not started"));
        }
        return Lua.eval(l, RouteScripts.FORGET, List.of(NodeKeys.routes(node), NodeKeys.ROUTES_VERSION), List.of(node),
                replyTimeout).thenApply(r -> null);
    }

    /** The other nodes' routes; subscribers are node names. */
    public SubscriptionTree<String> tree() {
        return tree;
    }

    /** This node's tree gained {@code key}. Only queues: called under the broker's tree lock. */
    public void added(String key) {
        enqueue(true, key);
    }

    /** This node's tree lost {@code key}. Only queues. */
    public void removed(String key) {
        enqueue(false, key);
    }

    private void enqueue(boolean add, String key) {
        synchronized (queue) {
            queue.add(new Change(add, key, ++enqueued));
        }
        kick();
    }

    /** The version of this node's routes last written to Redis (0 before the first write). */
    public long localVersion() {
        return localVersion;
    }

    /**
     * Completes with {@link #localVersion()} once every change queued before this call is in
     * Redis. Stays pending while Redis is down (see {@link #routesSeen}, which bounds the wait).
     */
    public CompletionStage<Long> flushed() {
        long seq;
        synchronized (queue) {
            seq = enqueued;
        }
        CompletableFuture<Long> f = new CompletableFuture<>();
        executor.execute(() -> {
            if (appliedSeq >= seq) {
                f.complete(localVersion);
            } else {
                waiters.add(new Waiter(seq, f));
            }
        });
        return f;
    }

    /**
     * The changes queued before this call are in Redis and every live node has applied them, or
     * {@code timeout} passed (then it completes normally all the same, counted): what a takeover
     * waits for before it loads a session.
     */
    public CompletionStage<Void> routesSeen(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        return flushed().toCompletableFuture().completeOnTimeout(-1L, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(v -> {
                    if (v < 0) {
                        timedOut("routes were not written to Redis within " + timeout.toMillis() + " ms");
                        return CompletableFuture.completedFuture(null);
                    }
                    return seenByAll(v, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                });
    }

    /**
     * Completes once every live node other than this one (per {@link Membership#liveOthersNow()})
     * has recorded in its {@link NodeKeys#seen} hash that it applied this node's routes at
     * {@code version} or later; or when {@code timeout} passes, then normally all the same
     * (logged at debug, counted in {@code perch.cluster.routes.seen_timeouts}). Polls Redis on the
     * executor; never blocks the caller.
     */
    public CompletionStage<Void> seenByAll(long version, Duration timeout) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        executor.execute(() -> checkSeen(version, deadline, f));
        return f;
    }

    private void checkSeen(long version, long deadline, CompletableFuture<Void> f) {
        if (version <= 0) {
            f.complete(null);
            return;
        }
        // Read now, not the last tick's view: a node that joined since must have seen them too.
        membership.liveOthersNow().whenCompleteAsync((others, e) -> checkSeen(others, version, deadline, f), executor);
    }

    private void checkSeen(List<String> others, long version, long deadline, CompletableFuture<Void> f) {
        RedisLink l = link;
        if (version <= 0 || others.isEmpty()) {
            f.complete(null);
            return;
        }
        if (l == null || closed) {
            f.complete(null);
            return;
        }
        List<CompletableFuture<byte[]>> reads = new ArrayList<>();
        for (String o : others) {
            try {
                reads.add(l.commands().hget(Lua.bytes(NodeKeys.seen(o)), Lua.bytes(me)).toCompletableFuture()
                        .orTimeout(replyTimeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (RuntimeException e) {
                reads.add(CompletableFuture.failedFuture(e));
            }
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).whenCompleteAsync((v, e) -> {
            boolean all = e == null && reads.stream().allMatch(r -> {
                byte[] b = r.join();
                return b != null && Long.parseLong(Lua.str(b)) >= version;
            });
            if (all) {
                f.complete(null);
            } else if (System.nanoTime() - deadline >= 0) {
                timedOut("not every node of " + others + " has seen version " + version + " of " + me + "'s routes"
                        + (e == null ? "" : " (" + Lua.why(e) + ")"));
                f.complete(null);
            } else {
                executor.schedule(() -> checkSeen(version, deadline, f), SEEN_POLL.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, executor);
    }

    private void timedOut(String what) {
        if (seenTimeouts != null) {
            seenTimeouts.increment();
        }
        log.debug("Cluster: {}; going on", what);
    }

    // ---- local side: the writer ----

    private void kick() {
        if (!closed && kicked.compareAndSet(false, true)) {
            try {
                executor.execute(this::flush);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                kicked.set(false); // stopping
            }
        }
    }

    /** Sends the next write, if none is on its way. Executor thread. */
    private void flush() {
        kicked.set(false);
        RedisLink l = link;
        if (writing || l == null || closed || retryScheduled) {
            return;
        }
        Write w;
        if (rewrite) {
            drain(Integer.MAX_VALUE);
            pending = null; // the whole set holds it
            w = new Write(null, false, drainedSeq);
        } else if (pending != null) {
            w = pending;
        } else {
            boolean hadRoutes = !local.isEmpty();
            List<String> ops = drain(BATCH);
            if (ops.isEmpty()) {
                return;
            }
            w = new Write(ops, hadRoutes, drainedSeq);
            pending = w;
        }
        writing = true;
        List<String> args = new ArrayList<>(List.of(me, String.valueOf(localVersion)));
        String script;
        if (w.ops() == null) {
            script = RouteScripts.REWRITE;
            args.addAll(local);
        } else {
            script = RouteScripts.APPLY;
            args.add(w.mustExist() ? "1" : "0");
            args.addAll(w.ops());
        }
        Lua.evalLong(l, script, List.of(NodeKeys.routes(me), NodeKeys.ROUTES_VERSION), args, replyTimeout)
                .whenCompleteAsync((v, e) -> written(w, v, e), executor);
    }

    /** Moves up to {@code max} queued changes into the local set; the ops, in order. */
    private List<String> drain(int max) {
        List<String> ops = new ArrayList<>();
        synchronized (queue) {
            while (ops.size() < max && !queue.isEmpty()) {
                Change c = queue.poll();
                ops.add((c.add() ? "+" : "-") + c.key());
                drainedSeq = c.seq();
            }
        }
        for (String op : ops) {
            if (op.charAt(0) == '+') {
                local.add(op.substring(1));
            } else {
                local.remove(op.substring(1));
            }
        }
        return ops;
    }

    private void written(Write w, Long v, Throwable e) {
        writing = false;
        if (e != null) {
            if (writeFailures != null) {
                writeFailures.increment();
            }
            if (!failing) {
                failing = true;
                log.warn("Cluster: cannot write node {}'s routes to Redis ({}); keeping them and retrying every {} ms",
                        me, Lua.why(e), retryDelay.toMillis());
            }
            retryScheduled = true;
            executor.schedule(() -> {
                retryScheduled = false;
                flush();
            }, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        if (failing) {
            failing = false;
            log.info("Cluster: node {}'s routes reach Redis again", me);
        }
        if (v < 0) {
            log.warn("Cluster: node {}'s routes were gone from Redis (restart without its data?); writing all {} again",
                    me, local.size());
            rewrite = true;
        } else {
            if (w.ops() == null) {
                rewrite = false;
            }
            pending = null;
            localVersion = v;
            appliedSeq = w.maxSeq();
            writes++;
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter x = it.next();
                if (x.seq() <= w.maxSeq()) {
                    it.remove();
                    x.done().complete(v);
                }
            }
        }
        flush();
    }

    // ---- remote side: the cache ----

    private void hint(String message) {
        String[] p = message.split(" ");
        if (p.length < 2 || p[1].equals(me)) {
            return;
        }
        switch (p[0]) {
            case "routes" -> {
                Remote r = remote.get(p[1]);
                if (r == null || p.length < 3 || !String.valueOf(r.version).equals(p[2])) {
                    refresh(p[1]);
                }
            }
            case "left", "dead" -> drop(p[1]);
            default -> log.debug("Cluster: unknown hint {}", message);
        }
    }

    /**
     * Every membership tick: re-reads any node whose version differs from the cached one, drops
     * the gone (left, or reaped), and rewrites this node's set when Redis holds an older version
     * than it wrote (data lost). Executor thread.
     */
    void poll() {
        RedisLink l = link;
        if (l == null || closed) {
            return;
        }
        long writesAtStart = writes;
        CompletableFuture<Map<byte[], byte[]>> read;
        try {
            read = l.commands().hgetall(Lua.bytes(NodeKeys.ROUTES_VERSION)).toCompletableFuture()
                    .orTimeout(replyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return; // disconnected: the next tick tries again
        }
        read.whenCompleteAsync((m, e) -> {
            if (e != null || closed) {
                return;
            }
            Map<String, Long> versions = new HashMap<>();
            m.forEach((k, v) -> versions.put(Lua.str(k), Long.parseLong(Lua.str(v))));
            // A dead node's routes stay until its reaper removes them: what is routed to it
            // meanwhile waits in its inbox, which the reaper delivers to the sessions it took over.
            Set<String> dead = new HashSet<>();
            for (NodeInfo n : membership.nodes()) {
                if (!n.alive()) {
                    dead.add(n.name());
                }
            }
            for (String node : new ArrayList<>(remote.keySet())) {
                if (!versions.containsKey(node)) {
                    drop(node);
                }
            }
            versions.forEach((node, v) -> {
                if (!node.equals(me) && !dead.contains(node)) {
                    Remote r = remote.get(node);
                    if (r == null || r.version != v) {
                        refresh(node);
                    }
                }
            });
            long mine = versions.getOrDefault(me, 0L);
            if (writes == writesAtStart && !writing && localVersion > 0 && mine < localVersion && !rewrite) {
                log.warn("Cluster: Redis holds version {} of node {}'s routes, older than the {} it wrote (restart "
                        + "without its data?); writing all {} again", mine, me, localVersion, local.size());
                rewrite = true;
                flush();
            }
            if (seenDirty) {
                writeSeen();
            }
        }, executor);
    }

    /** Reads a node's version and set together and diffs the tree; one read per node at a time. */
    private void refresh(String node) {
        RedisLink l = link;
        if (l == null || closed) {
            return;
        }
        Remote r = remote.computeIfAbsent(node, k -> new Remote());
        if (r.loading) {
            r.again = true;
            return;
        }
        r.loading = true;
        Lua.eval(l, RouteScripts.READ, List.of(NodeKeys.ROUTES_VERSION, NodeKeys.routes(node)), List.of(node), replyTimeout)
                .whenCompleteAsync((reply, e) -> {
                    r.loading = false;
                    if (remote.get(node) != r || closed) {
                        return; // dropped meanwhile
                    }
                    if (e != null) {
                        log.debug("Cluster: could not read node {}'s routes ({}); the next poll tries again", node, Lua.why(e));
                        return;
                    }
                    long v = Long.parseLong(Lua.str(reply.get(0)));
                    Set<String> keys = new HashSet<>();
                    for (Object o : (List<?>) reply.get(1)) {
                        keys.add(Lua.str(o));
                    }
                    routing.writeLock().lock();
                    try {
                        for (String k : keys) {
                            if (!r.keys.contains(k)) {
                                tree.addKey(k, node, REMOTE);
                            }
                        }
                        for (String k : r.keys) {
                            if (!keys.contains(k)) {
                                tree.removeKey(k, node);
                            }
                        }
                    } finally {
                        routing.writeLock().unlock();
                    }
                    r.keys = keys;
                    r.version = v;
                    seenDirty = true;
                    writeSeen();
                    if (r.again) {
                        r.again = false;
                        refresh(node);
                    }
                }, executor);
    }

    private void drop(String node) {
        Remote r = remote.remove(node);
        if (r != null) {
            routing.writeLock().lock();
            try {
                for (String k : r.keys) {
                    tree.removeKey(k, node);
                }
            } finally {
                routing.writeLock().unlock();
            }
            log.debug("Cluster: dropped the {} routes of node {}", r.keys.size(), node);
        }
    }

    /**
     * Records in Redis which version of each node's routes this node has applied, once what it
     * forwarded before is in Redis ({@link #forwardsFlushed(java.util.function.Supplier)}): the
     * record lets a node taking a client over ask the old owner to let go, and a forward made
     * under the old routes that reached the old owner's inbox after that request would find no
     * session there. One record on its way at a time; a failed one is made again by the next poll.
     */
    private void writeSeen() {
        RedisLink l = link;
        if (l == null || remote.isEmpty()) {
            seenDirty = false;
            return;
        }
        if (seenWriting) {
            seenAgain = true; // the one on its way is older than what was applied since
            return;
        }
        Map<byte[], byte[]> seen = new HashMap<>();
        remote.forEach((node, r) -> {
            if (r.version >= 0) {
                seen.put(Lua.bytes(node), Lua.bytes(String.valueOf(r.version)));
            }
        });
        if (seen.isEmpty()) {
            return;
        }
        seenDirty = false;
        seenWriting = true;
        CompletableFuture<Void> flushed;
        try {
            flushed = forwardsFlushed.get().toCompletableFuture();
        } catch (RuntimeException e) {
            flushed = CompletableFuture.failedFuture(e);
        }
        flushed.thenCompose(v -> l.commands().hset(Lua.bytes(NodeKeys.seen(me)), seen).toCompletableFuture()
                        .orTimeout(replyTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .whenCompleteAsync((n, e) -> {
                    seenWriting = false;
                    if (e != null) {
                        seenDirty = true; // the next poll writes it again
                    } else if (seenAgain) {
                        seenAgain = false;
                        writeSeen();
                    }
                }, executor);
    }

    /**
     * What completes once every forward this node handed over before the call is in Redis
     * (the cluster's outbox pool: its staging and pipeline); until it does, a route change
     * applied here is not recorded as seen. Without one (tests of the table alone), at once.
     */
    public void forwardsFlushed(java.util.function.Supplier<CompletionStage<Void>> flushed) {
        this.forwardsFlushed = flushed;
    }

    /** Routing's side of the routes: held from a match on {@link #tree()} until its forwards are handed over. */
    public java.util.concurrent.locks.Lock routingLock() {
        return routing.readLock();
    }

    /** Stops writing and listening; what is queued stays unwritten (the node leaves or dies). */
    @Override
    public void close() {
        closed = true;
        StatefulRedisPubSubConnection<String, String> ps = hints;
        hints = null;
        if (ps != null) {
            ps.close();
        }
        RedisLink l = link;
        link = null;
        if (l != null) {
            l.close();
        }
    }
}
