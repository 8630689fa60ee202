package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Keys;
import io.perch.redis.codec.MessageHash;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.perch.redis.codec.Keys.str;

/**
 * Reads the retained messages of given topics back from Redis, in any form writers have used
 * for {@code mqtt:retain:{topic}}: a sorted set holding the id (the seed's), a string holding
 * the id, or a hash holding the message itself. Topics whose key is gone leave
 * {@code mqtt:topics:retain}. Used by on_retain_lookup and by the retained store's load at
 * start; the store also asks for the time Redis drops each copy, so that its in-memory copy
 * goes at the same time. Runs on whichever thread completes the pool's replies.
 */
public final class RetainedReads {
    private RetainedReads() {
    }

    /**
     * A retained message read from Redis.
     *
     * @param deadline epoch milliseconds by which Redis drops the copy (its key's or its hash's
     *                 TTL, whichever is first), 0 when it has none or was not asked for
     */
    public record Found(Message message, long deadline) {
    }

    /** Every retained message in {@code mqtt:topics:retain}, page by page, to {@code sink}; never KEYS or SCAN. */
    public static CompletableFuture<Void> all(PoolRuntime pool, String function,
                                              java.util.function.Consumer<List<Found>> sink) {
        return TopicIndex.forEachPage(pool, function, Keys.RETAIN_INDEX,
                topics -> read(pool, function, topics, true).thenAccept(sink));
    }

    /** The retained messages of {@code topics}; with {@code deadlines}, also when Redis drops each. */
    public static CompletableFuture<List<Found>> read(PoolRuntime pool, String fn, List<String> topics, boolean deadlines) {
        if (topics.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<RedisCall> types = new ArrayList<>();
        for (String t : topics) {
            types.add(Calls.type(Keys.retain(t)));
        }
        return pool.read(fn, types).thenCompose(replies -> {
            List<RedisCall> reads = new ArrayList<>();
            List<String> kinds = new ArrayList<>();
            List<String> gone = new ArrayList<>();
            for (int i = 0; i < topics.size(); i++) {
                String type = String.valueOf(replies.get(i));
                byte[] key = Keys.retain(topics.get(i));
                switch (type) {
                    case "zset" -> reads.add(Calls.zrange(key, -1, -1));
                    case "string" -> reads.add(Calls.get(key));
                    case "hash" -> reads.add(Calls.hgetall(key));
                    default -> {
                        gone.add(topics.get(i));
                        continue;
                    }
                }
                if (deadlines) {
                    reads.add(Calls.pttl(key));
                }
                kinds.add(type);
            }
            TopicIndex.prune(pool, fn, Keys.RETAIN_INDEX, gone, Keys::retain);
            if (reads.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            // Taken before the read: now + PTTL is then never later than Redis's own expiry.
            long asked = System.currentTimeMillis();
            return pool.read(fn, reads).thenCompose(values -> resolve(pool, fn, kinds, values, deadlines, asked));
        });
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<List<Found>> resolve(PoolRuntime pool, String fn, List<String> kinds,
                                                          List<Object> values, boolean deadlines, long asked) {
        int step = deadlines ? 2 : 1;
        List<Found> direct = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<Long> idDeadlines = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            Object v = values.get(i * step);
            long keyDeadline = deadlines ? deadline(values.get(i * step + 1), asked) : 0;
            switch (kinds.get(i)) {
                case "zset" -> ((List<byte[]>) v).forEach(b -> {
                    ids.add(str(b));
                    idDeadlines.add(keyDeadline);
                });
                case "string" -> {
                    if (v != null) {
                        ids.add(str((byte[]) v));
                        idDeadlines.add(keyDeadline);
                    }
                }
                default -> MessageHash.read((Map<byte[], byte[]>) v, null)
                        .ifPresent(m -> direct.add(new Found(m, keyDeadline)));
            }
        }
        if (ids.isEmpty()) {
            return CompletableFuture.completedFuture(direct);
        }
        List<RedisCall> loads = new ArrayList<>();
        for (String id : ids) {
            loads.add(Calls.hgetall(Keys.message(id)));
            if (deadlines) {
                loads.add(Calls.pttl(Keys.message(id)));
            }
        }
        long loadAsked = System.currentTimeMillis();
        return pool.read(fn, loads).thenApply(hashes -> {
            List<Found> out = new ArrayList<>(direct);
            for (int i = 0; i < ids.size(); i++) {
                long d = idDeadlines.get(i);
                if (deadlines) {
                    d = earliest(d, deadline(hashes.get(i * step + 1), loadAsked));
                }
                long deadline = d;
                MessageHash.read((Map<byte[], byte[]>) hashes.get(i * step), ids.get(i))
                        .ifPresent(m -> out.add(new Found(m, deadline)));
            }
            return out;
        });
    }

    /** A PTTL reply as an epoch time; 0 for no TTL (-1) or an unexpected reply. */
    private static long deadline(Object pttl, long asked) {
        return pttl instanceof Long ms && ms >= 0 ? asked + ms : 0;
    }

    private static long earliest(long a, long b) {
        if (a == 0) {
            return b;
        }
        return b == 0 ? a : Math.min(a, b);
    }
}
