package io.perch.redis.retain;

import io.perch.broker.message.Message;
import io.perch.broker.retain.RetainedStore;
import io.perch.redis.codec.Compat;
import io.perch.redis.function.PoolRuntime;
import io.perch.redis.client.RedisCall;
import io.perch.redis.function.RetainedReads;
import io.perch.redis.function.RetainedWrites;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The broker's retained store when the Redis backend holds retained messages: Redis is the
 * source of truth, a {@link RetainedCache} answers subscribes without a round trip.
 * <ul>
 * <li>At start the cache is loaded from Redis ({@code mqtt:topics:retain} page by page, never
 *     KEYS or SCAN), each entry with the time Redis drops its copy, so that the API and the
 *     dashboard list what Redis holds after a restart. Until the load is done (at most
 *     {@link #READY_WAIT_MS}), a subscribe's lookup waits for it.</li>
 * <li>{@link #put}: an on_message_retain rule covering the topic in this pool has written the
 *     copy (with the user's TTL): the cache entry gets the same deadline. Otherwise the store
 *     writes what the rule would, without a TTL.</li>
 * <li>{@link #remove} (the REST API, the dashboard, ctl) deletes in Redis what on_retain_delete
 *     deletes, in this pool and every pool an on_message_retain rule writes to, so
 *     on_retain_lookup cannot deliver it again. {@link #removeByPublish} leaves a pool to its
 *     on_retain_delete rule when one covers the topic.</li>
 * <li>Topics starting with {@code $} ({@code $SYS/...}) stay in memory: they describe this
 *     process, and the rules do not match them either.</li>
 * </ul>
 * Threads: put/remove/get/match from the broker's event loops and the REST API; the load's
 * replies on the pool's reply threads; the sweep and the load's retries on the plugin's timer.
 * Redis writes go through the pool's ordered pipeline, so a delete cannot overtake an earlier
 * write of the same topic.
 */
public final class RedisRetainedStore implements RetainedStore {
    private static final Logger log = LoggerFactory.getLogger(RedisRetainedStore.class);
    /** The function name the load's reads are counted under ({@code backend.redis.retained_load}). */
    public static final String LOAD = "retained_load";
    static final long READY_WAIT_MS = 3000;
    private static final long RETRY_MS = 2000;
    private static final long SWEEP_MS = 1000;

    private final String poolName;
    private final RetainedCache cache = new RetainedCache();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Object lock = new Object();
    /** Topics stored or deleted while the load runs: what the load reads for them is older. Null once loaded. */
    private Set<String> touchedWhileLoading = new HashSet<>();
    private volatile RetainedRules rules;
    private volatile Binding binding;
    /** Cluster: told (topic, deleted) once a change of this node is in Redis, so the other nodes re-read it. */
    private volatile java.util.function.BiConsumer<String, Boolean> announce;

    private record Binding(PoolRuntime pool, List<PoolRuntime> deletePools, Compat compat,
                           ScheduledExecutorService timer, ScheduledFuture<?> sweep) {
    }

    /** @param poolName the pool that holds the retained messages (see {@link RetainedRules#storePool}) */
    public RedisRetainedStore(String poolName) {
        this.poolName = poolName;
    }

    public String poolName() {
        return poolName;
    }

    /**
     * Connects the store to its running pool and starts the load; the plugin calls it at
     * start, before the broker's listeners bind.
     */
    public void bind(RetainedRules rules, java.util.Map<String, PoolRuntime> pools, Compat compat,
                     ScheduledExecutorService timer) {
        this.rules = rules;
        List<PoolRuntime> deletePools = rules.deletePools(poolName).stream().map(pools::get).toList();
        ScheduledFuture<?> sweep = timer.scheduleWithFixedDelay(() -> cache.sweep(System.currentTimeMillis()),
                SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
        binding = new Binding(pools.get(poolName), deletePools, compat, timer, sweep);
        timer.schedule(() -> ready.complete(null), READY_WAIT_MS, TimeUnit.MILLISECONDS);
        load();
    }

    /**
     * Cluster: {@code announce} hears of each retained change this node makes, once Redis has
     * it (a read behind the write on the same pool: the pool answers in order).
     */
    public void onChange(java.util.function.BiConsumer<String, Boolean> announce) {
        this.announce = announce;
    }

    private void announced(Binding b, String topic, boolean deleted) {
        java.util.function.BiConsumer<String, Boolean> a = announce;
        if (a == null || b == null || !inRedis(topic)) {
            return;
        }
        RedisCall behind = r -> r.ping();
        b.pool().read(LOAD, List.of(behind)).whenComplete((v, e) -> a.accept(topic, deleted));
    }

    /** Cluster: another node changed {@code topic}'s retained message; the cache takes what Redis has now. */
    public CompletionStage<Void> refresh(String topic) {
        Binding b = binding;
        if (b == null) {
            return CompletableFuture.completedFuture(null);
        }
        return RetainedReads.read(b.pool(), LOAD, List.of(topic), true).thenAccept(found -> {
            synchronized (lock) {
                touch(topic);
                if (found.isEmpty()) {
                    cache.remove(topic);
                } else {
                    cache.put(found.get(0).message(), found.get(0).deadline());
                }
            }
        });
    }

    /**
     * Cluster: this node missed changes (its place in the feed was trimmed away): the cache
     * becomes what Redis holds. Entries not in Redis ($ topics) stay.
     */
    public CompletionStage<Void> reload() {
        Binding b = binding;
        if (b == null) {
            return CompletableFuture.completedFuture(null);
        }
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return RetainedReads.all(b.pool(), LOAD, found -> {
            synchronized (lock) {
                for (RetainedReads.Found f : found) {
                    seen.add(f.message().topic());
                    cache.put(f.message(), f.deadline());
                }
            }
        }).thenRun(() -> {
            synchronized (lock) {
                for (Message m : cache.list(0, Integer.MAX_VALUE)) {
                    if (inRedis(m.topic()) && !seen.contains(m.topic())) {
                        cache.remove(m.topic());
                    }
                }
            }
            log.info("Redis backend: retained messages reloaded from pool {} ({} in Redis)", poolName, seen.size());
        });
    }

    /** The plugin stops: the cache keeps answering, Redis is no longer written. */
    public void unbind() {
        Binding b = binding;
        binding = null;
        if (b != null) {
            b.sweep().cancel(false);
        }
        ready.complete(null);
    }

    /** Completes when the load from Redis is done (or was given up waiting for). */
    public CompletionStage<Void> ready() {
        return ready;
    }

    private void load() {
        Binding b = binding;
        if (b == null) {
            return;
        }
        int[] count = {0};
        RetainedReads.all(b.pool(), LOAD, found -> {
            synchronized (lock) {
                for (RetainedReads.Found f : found) {
                    if (touchedWhileLoading == null || !touchedWhileLoading.contains(f.message().topic())) {
                        cache.putIfAbsent(f.message(), f.deadline());
                        count[0]++;
                    }
                }
            }
        }).whenComplete((v, e) -> {
            if (e == null) {
                synchronized (lock) {
                    touchedWhileLoading = null;
                }
                log.info("Redis backend: {} retained message(s) loaded from pool {}", count[0], poolName);
                ready.complete(null);
            } else if (binding == b) {
                log.warn("Redis backend: retained messages could not be loaded from pool {} ({}); trying again",
                        poolName, rootMessage(e));
                ready.complete(null);
                try {
                    b.timer().schedule(this::load, RETRY_MS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    // the plugin is stopping
                }
            }
        });
    }

    private static boolean inRedis(String topic) {
        return !topic.startsWith("$");
    }

    private void touch(String topic) {
        if (touchedWhileLoading != null) {
            touchedWhileLoading.add(topic);
        }
    }

    @Override
    public void put(Message m) {
        Binding b = binding;
        RetainedRules r = rules;
        boolean redis = b != null && inRedis(m.topic());
        long ttl = redis ? r.retainTtlSeconds(poolName, m) : 0;
        long deadline = ttl > 0 ? System.currentTimeMillis() + ttl * 1000 : 0;
        synchronized (lock) {
            touch(m.topic());
            cache.put(m, deadline);
        }
        if (redis && ttl == 0) {
            RetainedWrites.put(b.pool(), m, b.compat());
        }
        if (redis) {
            announced(b, m.topic(), false); // with a TTL, the rule's write went first on the same pool
        }
    }

    @Override
    public boolean remove(String topic) {
        boolean had = removeCached(topic);
        Binding b = binding;
        if (b != null && inRedis(topic)) {
            for (PoolRuntime p : b.deletePools()) {
                RetainedWrites.delete(p, topic);
            }
            announced(b, topic, true);
        }
        return had;
    }

    @Override
    public void removeByPublish(Message empty) {
        String topic = empty.topic();
        removeCached(topic);
        Binding b = binding;
        RetainedRules r = rules;
        if (b != null && inRedis(topic)) {
            for (PoolRuntime p : b.deletePools()) {
                if (!r.deletesOnPublish(p.name(), topic)) {
                    RetainedWrites.delete(p, topic);
                }
            }
            announced(b, topic, true);
        }
    }

    private boolean removeCached(String topic) {
        synchronized (lock) {
            touch(topic);
            return cache.remove(topic);
        }
    }

    @Override
    public Optional<Message> get(String topic) {
        return cache.get(topic);
    }

    @Override
    public CompletionStage<List<Message>> match(String filter) {
        if (ready.isDone()) {
            return CompletableFuture.completedFuture(cache.match(filter));
        }
        return ready.thenApply(v -> cache.match(filter));
    }

    @Override
    public List<Message> list(int offset, int limit) {
        return cache.list(offset, limit);
    }

    @Override
    public int size() {
        return cache.size();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t != t.getCause()) {
            t = t.getCause();
        }
        return t.toString();
    }
}
