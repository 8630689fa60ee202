package io.perch.redis.cluster;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.client.RedisLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells every node's retained cache which retained topics another node changed in Redis. The
 * node that stored or deleted a retained message appends {@code node}, {@code topic} and
 * {@code op} to {@link #STREAM} (capped near {@value #MAX_LEN}); every node reads the stream from
 * the last id it saw and asks its cache to re-read each topic ({@link Listener#changed}). When
 * entries it had not read were trimmed away, or Redis lost the stream, it reloads everything
 * ({@link Listener#reloadAll}) instead.
 * <p>
 * A stream rather than pub/sub because a node that missed a change would serve a stale
 * retained message until restart; with a stream it either reads the change or knows it missed some.
 * <p>
 * Threads: {@link #published} from any thread (its own connection, so the reader's blocking
 * XREAD does not delay it). The reader runs one XINFO + XREAD BLOCK at a time on its own
 * connection; its replies hop to the executor, which owns {@code lastId} and calls the listener.
 */
public final class RetainedFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetainedFeed.class);
    public static final String STREAM = "perch:cluster:retained";
    static final long MAX_LEN = 100_000;
    private static final int READ_COUNT = 1000;

    /** What the retained store does with the feed. Called on the executor; must not block. */
    public interface Listener {
        /** Another node stored or deleted the retained message of {@code topic}: read it again from Redis. */
        void changed(String topic);

        /** Changes were missed: read every retained message again. */
        void reloadAll();
    }

    private final PoolConnector connector;
    private final String me;
    private final ScheduledExecutorService executor;
    private final Listener listener;
    private final Duration block;
    private final Duration retry;
    private final Counter failures;
    private volatile RedisLink writer;
    private volatile RedisLink reader;
    private volatile boolean closed;
    /** Executor thread only: the last entry handled; null until the first XINFO says where the stream ends. */
    private String lastId;
    /** Executor thread only: how many entries were ever added up to {@code lastId} (-1: unknown). */
    private long position = -1;
    private boolean failing;

    /**
     * @param block how long one XREAD waits for entries (also how long {@link #close} may wait for it)
     * @param registry for {@code perch.cluster.retained.feed.failures}; null for none
     */
    public RetainedFeed(PoolConnector connector, String nodeName, ScheduledExecutorService executor, Listener listener,
                        Duration block, MeterRegistry registry) {
        this.connector = connector;
        this.me = nodeName;
        this.executor = executor;
        this.listener = listener;
        this.block = block;
        this.retry = Duration.ofSeconds(1);
        this.failures = registry == null ? null : Counter.builder("perch.cluster.retained.feed.failures")
                .description("retained feed reads or writes that failed").register(registry);
    }

    /** Opens both connections and starts reading from the stream's current end. Throws when Redis cannot be reached. */
    public void start() {
        writer = connector.connect();
        reader = connector.connect();
        executor.execute(this::read);
    }

    /** Starts reading after {@code id}, the first entry ever added, rather than the stream's end (tests: a reader that fell behind). */
    void startFrom(String id) {
        writer = connector.connect();
        reader = connector.connect();
        executor.execute(() -> {
            lastId = id;
            position = 0;
            read();
        });
    }

    /**
     * Announces that this node stored ({@code deleted} false) or deleted the retained message of
     * {@code topic} in Redis. Call after that write completed, so a reader re-reading the topic sees it.
     */
    public CompletionStage<Void> published(String topic, boolean deleted) {
        RedisLink w = writer;
        if (w == null || closed) {
            return CompletableFuture.completedFuture(null);
        }
        Map<byte[], byte[]> body = new LinkedHashMap<>();
        body.put(Lua.bytes("node"), Lua.bytes(me));
        body.put(Lua.bytes("topic"), Lua.bytes(topic));
        body.put(Lua.bytes("op"), Lua.bytes(deleted ? "delete" : "set"));
        try {
            return w.commands().xadd(Lua.bytes(STREAM), XAddArgs.Builder.maxlen(MAX_LEN).approximateTrimming(), body)
                    .toCompletableFuture().orTimeout(5, TimeUnit.SECONDS)
                    .<Void>thenApply(id -> null)
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            count();
                            log.debug("Cluster: could not announce the retained change of {} ({})", topic, Lua.why(e));
                        }
                    });
        } catch (RuntimeException e) {
            count();
            return CompletableFuture.failedFuture(e);
        }
    }

    private void count() {
        if (failures != null) {
            failures.increment();
        }
    }

    /** One round: XINFO (where the stream starts and ends) then XREAD BLOCK, pipelined in that order. */
    private void read() {
        RedisLink r = reader;
        if (r == null || closed) {
            return;
        }
        CompletableFuture<List<Object>> info;
        CompletableFuture<List<StreamMessage<byte[], byte[]>>> entries = null;
        try {
            info = r.commands().xinfoStream(Lua.bytes(STREAM)).toCompletableFuture();
            if (lastId != null) {
                entries = r.commands().xread(XReadArgs.Builder.block(block.toMillis()).count(READ_COUNT),
                        XReadArgs.StreamOffset.from(Lua.bytes(STREAM), lastId)).toCompletableFuture();
            }
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        CompletableFuture<List<StreamMessage<byte[], byte[]>>> read = entries;
        long limit = block.toMillis() + 5000;
        info.handle((i, e) -> e == null ? i : null) // no stream yet (or any more): no fields
                .thenCombine(read == null ? CompletableFuture.completedFuture(List.of()) : read, Round::new)
                .orTimeout(limit, TimeUnit.MILLISECONDS)
                .whenCompleteAsync((round, e) -> {
                    if (closed) {
                        return;
                    }
                    if (e != null) {
                        failed(e);
                        return;
                    }
                    if (failing) {
                        failing = false;
                        log.info("Cluster: the retained feed reads Redis again");
                    }
                    handle(round.info(), round.entries());
                    read();
                }, executor);
    }

    private record Round(List<Object> info, List<StreamMessage<byte[], byte[]>> entries) {
    }

    /** Executor thread: moves {@code lastId} on and tells the listener. */
    private void handle(List<Object> info, List<StreamMessage<byte[], byte[]>> entries) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (info != null) {
            for (int k = 0; k + 1 < info.size(); k += 2) {
                fields.put(Lua.str(info.get(k)), info.get(k + 1));
            }
        }
        String lastGenerated = fields.containsKey("last-generated-id") ? Lua.str(fields.get("last-generated-id")) : "0-0";
        long added = fields.get("entries-added") instanceof Long n ? n : -1; // Redis 7.0 and later
        long length = fields.get("length") instanceof Long n ? n : 0;
        if (lastId == null) {
            lastId = lastGenerated; // start at the end: the store loaded everything before
            // No stream yet: nothing was ever added, so reading from its start misses nothing
            // (without this, its first entry looked like a gap before Redis 7's counts were known).
            position = fields.isEmpty() ? 0 : added;
            return;
        }
        boolean gap;
        if (added >= 0 && position >= 0) {
            // Entries are only ever appended and trimmed from the front: more gone than read is a gap,
            // fewer ever added than read means Redis lost the stream.
            gap = added - length > position || added < position;
        } else {
            Object first = fields.get("first-entry");
            String firstId = first instanceof List<?> l && !l.isEmpty() ? Lua.str(l.get(0)) : null;
            // Without the count (before Redis 7.0): the oldest entry being newer than the last read
            // may be a gap; a reload too many is harmless.
            gap = firstId != null && compare(firstId, lastId) > 0 || compare(lastGenerated, lastId) < 0;
        }
        if (gap) {
            log.warn("Cluster: retained changes after {} were trimmed or lost before this node read them; "
                    + "reloading every retained message", lastId);
            lastId = lastGenerated;
            position = added;
            try {
                listener.reloadAll();
            } catch (RuntimeException e) {
                log.warn("Cluster: reloading retained messages failed", e);
            }
            return; // what XREAD returned is covered by the reload
        }
        for (StreamMessage<byte[], byte[]> m : entries) {
            lastId = m.getId();
            if (position >= 0) {
                position++;
            }
            Map<String, String> body = new LinkedHashMap<>();
            m.getBody().forEach((k, v) -> body.put(Lua.str(k), Lua.str(v)));
            if (me.equals(body.get("node")) || body.get("topic") == null) {
                continue;
            }
            try {
                listener.changed(body.get("topic"));
            } catch (RuntimeException e) {
                log.warn("Cluster: refreshing retained topic {} failed", body.get("topic"), e);
            }
        }
    }

    private void failed(Throwable e) {
        count();
        if (!failing) {
            failing = true;
            log.warn("Cluster: the retained feed cannot read Redis ({}); retrying every {} ms", Lua.why(e), retry.toMillis());
        }
        try {
            executor.schedule(this::read, retry.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // stopping
        }
    }

    /** Stream ids "ms-seq" in order. */
    static int compare(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        long ma = Long.parseLong(da < 0 ? a : a.substring(0, da));
        long mb = Long.parseLong(db < 0 ? b : b.substring(0, db));
        if (ma != mb) {
            return Long.compare(ma, mb);
        }
        long sa = da < 0 ? 0 : Long.parseLong(a.substring(da + 1));
        long sb = db < 0 ? 0 : Long.parseLong(b.substring(db + 1));
        return Long.compare(sa, sb);
    }

    @Override
    public void close() {
        closed = true;
        for (RedisLink l : new RedisLink[] {writer, reader}) {
            if (l != null) {
                l.close();
            }
        }
        writer = null;
        reader = null;
    }
}
