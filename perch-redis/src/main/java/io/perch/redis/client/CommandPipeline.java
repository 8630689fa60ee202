package io.perch.redis.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * All of one pool's commands, in submission order, over one connection with auto-flush off:
 * a worker thread takes everything queued (up to {@value #MAX_BATCH} ops), writes it, flushes
 * once and waits for the replies. While Redis answers, persisting every publish therefore
 * costs Redis throughput, not a round trip each; and because reads queue behind writes, a
 * subscriber's fetch sees every write submitted before it (an ack's DEL, say).
 * <p>
 * When Redis is unreachable the worker keeps the writes (bounded by {@code maxBacklog}; past
 * it new writes are dropped, counted and logged), fails reads at once, probes with PING with a
 * growing pause, and replays the writes in order once Redis answers. A replayed write may run
 * twice if Redis applied it just before the connection broke; the EMQ X rule writes are
 * idempotent (HSET, ZADD, DEL, SET), and the session store's, whose reference counts are not,
 * start with {@link PseudoCommands#ONCE} (see docs/redis-backend.md, "Durable sessions").
 * <p>
 * With a {@link Durability} other than {@link Durability#REPLY}, a batch holding durable writes
 * ({@link RedisOp#durableWrite}) ends with {@code WAIT} or {@code WAITAOF} in the same flush, and
 * those writes complete only after its reply (see {@link DurabilityBarrier}).
 * <p>
 * Results complete in submission order ({@link CompletionOrder}), even when a write goes back to
 * be sent again while later ones were answered; only a read failing because Redis is unreachable
 * (or an op left at close) completes ahead of its turn.
 * <p>
 * Threads: any thread submits and reads the gauges; one worker thread ({@code perch-redis-<pool>})
 * talks to Redis and completes every op's result (the closing thread fails what is left).
 */
public final class CommandPipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommandPipeline.class);
    static final int MAX_BATCH = 1024;
    private static final long MIN_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 2000;

    private final String pool;
    private final BackendMetrics metrics;
    private final int maxBacklog;
    private final Duration replyTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<RedisOp> queue = new ArrayDeque<>();
    /** The next op's {@link RedisOp#seq}; under {@link #lock}. */
    private long queuedTotal;
    /** Completes ops in queue order whatever order Redis's answers are sorted in. */
    private final CompletionOrder order = new CompletionOrder();
    private final Counter dropped;
    /** Round trip of one pipelined batch: what "Redis command latency" means for this backend. */
    private final io.micrometer.core.instrument.Timer latency;
    private final Thread worker;
    private int writesQueued;
    private boolean full;
    /** Completed when the writes waiting fall below {@link #lowWater}; null while nobody waits. */
    private CompletableFuture<Void> roomWaiter;
    private final int highWater;
    private final int lowWater;
    private boolean closing;
    private final PipelineLink redis;
    /** Durable writes the barrier did not confirm. */
    private final Counter notDurable;
    /** Whether the last batch lost a read to a broken connection; worker thread only. */
    private boolean lostRead;
    /** Whether the last barrier fell short; worker thread only, so that the log says each change once. */
    private boolean durabilityFailing;

    /** The le buckets of backend.redis.latency: from a loopback round trip to a reply timeout. */
    public static final Duration[] LATENCY_BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)};

    public CommandPipeline(String pool, Supplier<RedisLink> connector, BackendMetrics metrics, int maxBacklog,
                           Duration replyTimeout) {
        this(pool, connector, metrics, maxBacklog, replyTimeout, Durability.REPLY);
    }

    /** {@code durability}: what a {@link RedisOp#durableWrite} waits for before its result completes. */
    public CommandPipeline(String pool, Supplier<RedisLink> connector, BackendMetrics metrics, int maxBacklog,
                           Duration replyTimeout, Durability durability) {
        this.pool = pool;
        Counter connectFailed = Counter.builder("backend.redis.connect.failed").tag("pool", pool)
                .description("attempts to (re)connect to Redis that failed").register(metrics.registry());
        this.redis = new PipelineLink(pool, connector, replyTimeout, durability, connectFailed::increment);
        this.metrics = metrics;
        this.maxBacklog = maxBacklog;
        this.replyTimeout = replyTimeout;
        this.highWater = Math.max(1, Math.min(maxBacklog / 2, 10_000));
        this.lowWater = highWater / 2;
        // A histogram (fixed buckets, Prometheus type histogram), not client-side percentiles: buckets
        // add up across nodes and pools (histogram_quantile over sum by le), percentiles do not.
        // Explicit buckets rather than publishPercentileHistogram's ~70 per pool.
        this.latency = io.micrometer.core.instrument.Timer.builder("backend.redis.latency").tag("pool", pool)
                .description("round trip of one pipelined batch of commands")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(metrics.registry());
        this.dropped = Counter.builder("backend.redis.backlog.dropped").tag("pool", pool)
                .description("writes dropped because the backlog was full").register(metrics.registry());
        this.notDurable = Counter.builder("backend.redis.durability.failed").tag("pool", pool)
                .description("durable writes the WAIT/WAITAOF barrier did not confirm").register(metrics.registry());
        Gauge.builder("backend.redis.backlog", this, CommandPipeline::backlog).tag("pool", pool)
                .description("writes waiting for Redis").register(metrics.registry());
        this.worker = new Thread(this::run, "perch-redis-" + pool);
        this.worker.setDaemon(true);
    }

    public void start() {
        worker.start();
    }

    public Durability durability() {
        return redis.durability();
    }

    /**
     * Completes once the pipeline first reached Redis and found that it can give this pool's
     * {@link Durability}; completes exceptionally, with a message for the operator, when it cannot
     * ({@code fsync} on a Redis older than 7.2 or without appendonly, or a barrier on a cluster
     * pool), or when the pipeline stops first. Always completes normally for {@link Durability#REPLY}
     * once connected. The plugin waits on it at start-up (with a deadline of its choosing: Redis may
     * be down) to refuse to start; should it go on regardless, every durable write fails with the
     * same message. Callbacks may run on the pipeline's worker thread: only wait on it or attach
     * async stages.
     */
    public CompletionStage<Void> checkDurability() {
        return redis.durabilityChecked().minimalCompletionStage();
    }

    /** True while the last exchange with Redis succeeded. */
    public boolean isUp() {
        return redis.isUp();
    }

    /** Epoch ms when {@link #isUp()} last changed (or the pipeline was made). */
    public long since() {
        return redis.since();
    }

    /** Why the last connect or exchange failed; null when none has. */
    public String lastError() {
        return redis.lastError();
    }

    /** Writes that were waiting when Redis last came back. */
    public long lastReplay() {
        return redis.lastReplay();
    }

    /** Writes replayed after outages since start. */
    public long replayedTotal() {
        return redis.replayedTotal();
    }

    public int maxBacklog() {
        return maxBacklog;
    }

    /**
     * Counts a function's write that went inside another op (a rule's copy of a QoS 2 message
     * in the session store's write) under its own name, as if it had gone alone.
     */
    public void countCarried(String function, String rule, boolean ok) {
        if (ok) {
            metrics.success(function);
        } else {
            metrics.failure(function);
        }
        if (rule != null) {
            metrics.rule(rule, ok);
        }
    }

    /** Counts an op's outcome under its function and, for a hook rule's op, under the rule. */
    private void count(RedisOp op, boolean ok) {
        countCarried(op.function, op.rule, ok);
    }

    /** Writes waiting (queued or being replayed). */
    public int backlog() {
        lock.lock();
        try {
            return writesQueued;
        } finally {
            lock.unlock();
        }
    }

    private static final CompletableFuture<Void> ROOM = CompletableFuture.completedFuture(null);

    /**
     * Back-pressure for publishers. While Redis answers but lags behind (more than
     * {@code min(backlog.max / 2, 10000)} writes waiting), the returned stage completes only when
     * the pipeline has caught up to half of that, so the broker holds the PUBACK and, through its
     * ordered inbound chain, stops reading the publisher: a persisted stream is bounded by Redis
     * throughput and nothing is dropped. While Redis is down, it completes at once: MQTT goes on
     * and the bounded backlog keeps the writes for replay.
     */
    public CompletableFuture<Void> room() {
        lock.lock();
        try {
            if (!redis.isUp() || writesQueued < highWater) {
                return ROOM;
            }
            if (roomWaiter == null) {
                roomWaiter = new CompletableFuture<>();
            }
            return roomWaiter;
        } finally {
            lock.unlock();
        }
    }

    /** Completes the waiter (outside the lock: its callbacks belong to the broker). */
    private void releaseWaiters(CompletableFuture<Void> waiter) {
        if (waiter != null) {
            waiter.complete(null);
        }
    }

    /** Queues an op; its {@link RedisOp#result()} completes when Redis answered (or it failed). */
    public CompletableFuture<List<Object>> submit(RedisOp op) {
        lock.lock();
        try {
            if (closing) {
                fail(op, new IllegalStateException("pool " + pool + " is stopping"));
            } else if (!op.write && redis.knownDown()) {
                fail(op, new IllegalStateException("Redis pool " + pool + " is unreachable"));
            } else if (op.write && writesQueued >= maxBacklog) {
                dropped.increment();
                if (!full) {
                    full = true;
                    log.warn("Redis pool {}: backlog full ({} writes, backend.redis.backlog.max); dropping new writes "
                            + "until Redis catches up", pool, maxBacklog);
                }
                fail(op, new IllegalStateException("backlog full"));
            } else {
                op.seq = queuedTotal++;
                queue.addLast(op);
                if (op.write) {
                    writesQueued++;
                }
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        return op.result;
    }

    /** Fails an op that was never queued. */
    private void fail(RedisOp op, Throwable t) {
        count(op, false);
        op.result.completeExceptionally(t);
    }

    /**
     * Fails queued ops at once, ahead of their turn (reads that must not wait for a reconnect,
     * or what is left at close), letting the ops queued after them complete in their turn.
     * Never under {@link #lock}: completions run callbacks.
     */
    private void failNow(List<RedisOp> ops, String why) {
        for (RedisOp op : ops) {
            order.skip(op.seq, () -> fail(op, new IllegalStateException(why)));
        }
    }

    private void run() {
        long backoff = MIN_BACKOFF_MS;
        while (true) {
            // Connect (and probe after a failure) even with nothing queued, so that isUp() tells
            // the truth and the first publish does not pay for the connection.
            if (!redis.isUp()) {
                if (!redis.ensureUp(this::backlog)) {
                    failQueuedReads();
                    if (pause(backoff)) {
                        return;
                    }
                    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
                    continue;
                }
                backoff = MIN_BACKOFF_MS;
            }
            List<RedisOp> batch = take();
            if (batch == null) {
                return;
            }
            List<RedisOp> retry = execute(batch);
            if (!retry.isEmpty()) {
                markDown("lost during a write");
                putBack(retry, true);
            } else if (lostRead) {
                // A read that found Redis gone (on an idle pool, say) says so too, so isUp() and
                // the operator's status page do not keep saying "up" until the next write.
                markDown("lost during a read");
            }
        }
    }

    private void failQueuedReads() {
        putBack(List.of(), true);
    }

    private String unreachable() {
        return "Redis pool " + pool + " is unreachable";
    }

    /** Waits for work; null when closing and nothing is left (or the close deadline passed). */
    private List<RedisOp> take() {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (closing) {
                    return null;
                }
                changed.awaitUninterruptibly();
            }
            List<RedisOp> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
            while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
                batch.add(queue.pollFirst());
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Returns ops to the head of the queue in their order; reads are failed instead when Redis is down. */
    private void putBack(List<RedisOp> ops, boolean failReads) {
        List<RedisOp> failed = new ArrayList<>();
        lock.lock();
        try {
            for (int i = ops.size() - 1; i >= 0; i--) {
                queue.addFirst(ops.get(i));
            }
            if (failReads) {
                // Reads queued while we were up must not wait for a reconnect either.
                queue.removeIf(o -> !o.write && failed.add(o));
            }
            writesQueued = (int) queue.stream().filter(o -> o.write).count();
        } finally {
            lock.unlock();
        }
        failNow(failed, unreachable());
    }

    /** Sleeps; true when the pipeline is closing (and should give up on a Redis that is gone). */
    private boolean pause(long millis) {
        lock.lock();
        try {
            if (!closing) {
                changed.await(millis, TimeUnit.MILLISECONDS);
            }
            return closing;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The connection is gone: publishers held for room are let go (MQTT goes on while Redis is down). */
    private void markDown(String why) {
        CompletableFuture<Void> waiter;
        lock.lock();
        try {
            waiter = roomWaiter;
            roomWaiter = null;
        } finally {
            lock.unlock();
        }
        releaseWaiters(waiter);
        redis.markDown(why);
    }

    /** Sends a batch and waits for it; returns the ops to retry (connection lost), in order. */
    private List<RedisOp> execute(List<RedisOp> batch) {
        lostRead = false;
        // Ops going back to the queue, in submission order: lost writes and those of a refused script.
        List<RedisOp> retry = new ArrayList<>();
        List<RedisOp> lostReads = new ArrayList<>();
        String unscripted = null;
        long started = System.nanoTime();
        List<BatchExchange.Outcome> outcomes = BatchExchange.run(redis.link(), batch, replyTimeout, redis.scripts(),
                redis.durability(), redis.durabilityRefused());
        latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        noteDurability(outcomes);
        for (BatchExchange.Outcome o : outcomes) {
            RedisOp op = o.op();
            if (o.kind() == BatchExchange.Kind.UNSCRIPTED) {
                unscripted = String.valueOf(o.error());
                retry.add(op);
            } else if (o.kind() == BatchExchange.Kind.LOST && op.write) {
                retry.add(op);
            } else if (o.kind() == BatchExchange.Kind.LOST) {
                lostRead = true;
                lostReads.add(op);
            } else {
                if (o.kind() == BatchExchange.Kind.NOT_DURABLE) {
                    notDurable.increment();
                }
                // Waits in the order for any op before it that goes back to be retried.
                order.complete(op.seq, () -> done(op, o.replies(), o.error()));
            }
        }
        failNow(lostReads, unreachable());
        if (unscripted != null) {
            // Nothing of a refused script ran: its writes go again, as plain commands, in their place.
            redis.noScripts();
            log.warn("Redis pool {} refused a script ({}); writing command by command from now on", pool, unscripted);
            putBack(retry, false);
            return List.of();
        }
        return retry;
    }

    /** Logs when durable writes start or stop failing their barrier: once per change, not per write. */
    private void noteDurability(List<BatchExchange.Outcome> outcomes) {
        for (BatchExchange.Outcome o : outcomes) {
            if (o.kind() == BatchExchange.Kind.NOT_DURABLE) {
                if (!durabilityFailing) {
                    durabilityFailing = true;
                    log.warn("Redis pool {}: durable writes are failing: {}. They are applied in Redis but not "
                            + "acknowledged as durable (backend.redis.durability.failed)", pool, o.error().getMessage());
                }
                return;
            }
            if (o.kind() == BatchExchange.Kind.DONE && o.op().durable && redis.durability().needsBarrier()) {
                if (durabilityFailing) {
                    durabilityFailing = false;
                    log.info("Redis pool {}: durable writes are confirmed again (persistence.ack = {})",
                            pool, redis.durability());
                }
                return;
            }
        }
    }

    private void done(RedisOp op, List<Object> replies, Throwable logical) {
        if (op.write) {
            CompletableFuture<Void> waiter = null;
            lock.lock();
            try {
                writesQueued = Math.max(0, writesQueued - 1);
                if (full && writesQueued < maxBacklog / 2) {
                    full = false;
                    log.info("Redis pool {}: backlog below half of backend.redis.backlog.max again", pool);
                }
                if (roomWaiter != null && writesQueued < lowWater) {
                    waiter = roomWaiter;
                    roomWaiter = null;
                }
            } finally {
                lock.unlock();
            }
            releaseWaiters(waiter);
        }
        if (logical instanceof NotDurableException) {
            // Counted and logged once per change by the caller: one line per write would flood the log.
            count(op, false);
            op.result.completeExceptionally(logical);
        } else if (logical != null) {
            // Redis refused a command (wrong type, syntax...): retrying cannot help. No payloads in the log.
            count(op, false);
            log.warn("Redis pool {}: {} failed: {}", pool, op.function, logical.getMessage());
            op.result.completeExceptionally(logical);
        } else {
            count(op, true);
            op.result.complete(replies);
        }
    }

    /**
     * Stops taking work, gives queued writes up to {@code grace} to reach Redis, then fails the
     * rest and closes the connection.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(3));
    }

    public void close(Duration grace) {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            worker.join(grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.interrupt();
        redis.stopChecking();
        List<RedisOp> left;
        lock.lock();
        try {
            left = new ArrayList<>(queue);
            queue.clear();
            writesQueued = 0;
        } finally {
            lock.unlock();
        }
        long lost = left.stream().filter(o -> o.write).count();
        if (lost > 0) {
            log.warn("Redis pool {} stopped with {} writes that never reached Redis", pool, lost);
        }
        failNow(left, "pool " + pool + " stopped");
        try {
            worker.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        redis.close();
    }
}
