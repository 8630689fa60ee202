package io.perch.redis.cluster;

import io.lettuce.core.XAddArgs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.cluster.Forward;
import io.perch.redis.client.ArgvCall;
import io.perch.redis.client.RedisCall;
import io.perch.redis.function.PoolRuntime;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Writes to other nodes' inboxes: {@code XADD perch:cluster:inbox:<node> MAXLEN ~ <maxLen> * ...}
 * as a durable write of the pool ({@link PoolRuntime#durableWrite}). Why through the pool: its
 * pipeline applies this node's writes in submission order, so messages of one publisher reach
 * an inbox in the order they were published, and the stage completes only once the pool's
 * WAIT/WAITAOF barrier is met, so a PUBACK that waits on it follows {@code persistence.ack}.
 * MAXLEN bounds an inbox whose node stopped reading; {@code ~} lets Redis trim by whole nodes.
 * A write the pipeline replays after a lost reply may be added twice (at-least-once).
 *
 * <p>Threads: stateless apart from its counter; any thread.
 */
public final class Outbox {
    private static final String FUNCTION = "cluster.forward";
    private final PoolRuntime pool;
    private final long maxLen;
    private final Counter forwarded;

    /**
     * @param maxLen   the approximate cap of an inbox stream, in entries
     * @param registry where {@code perch.cluster.forwarded.out} is counted; null for none
     */
    public Outbox(PoolRuntime pool, long maxLen, MeterRegistry registry) {
        if (maxLen <= 0) {
            throw new IllegalArgumentException("inbox max length must be positive: " + maxLen);
        }
        this.pool = pool;
        this.maxLen = maxLen;
        this.forwarded = registry == null ? null : Counter.builder("perch.cluster.forwarded.out")
                .description("messages this node added to other nodes' inboxes").register(registry);
    }

    /** Adds {@code f} to {@code node}'s inbox; completes when it is there as durably as the pool promises. */
    public CompletionStage<Void> forward(String node, Forward f) {
        return add(node, StreamCodec.encode(f)).thenRun(() -> {
            if (forwarded != null) {
                forwarded.increment();
            }
        });
    }

    /** Adds a control record ({@link InboxRecord.Release}, {@link InboxRecord.Released}) to {@code node}'s inbox. */
    public CompletionStage<Void> sendControl(String node, InboxRecord control) {
        return add(node, StreamCodec.encode(control));
    }

    private CompletableFuture<Void> add(String node, List<byte[]> kv) {
        try {
            return pool.durableWrite(FUNCTION, List.of(xadd(node, kv))).thenApply(r -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** An {@link ArgvCall}, so that it may go inside the pool's batch script (or a session store group). */
    private RedisCall xadd(String node, List<byte[]> kv) {
        byte[] key = InboxKeys.inbox(node);
        Object[] argv = new Object[6 + kv.size()];
        argv[0] = "XADD";
        argv[1] = key;
        argv[2] = "MAXLEN";
        argv[3] = "~";
        argv[4] = maxLen;
        argv[5] = "*";
        for (int i = 0; i < kv.size(); i++) {
            argv[6 + i] = kv.get(i);
        }
        Object[] pairs = kv.toArray();
        XAddArgs args = new XAddArgs().maxlen(maxLen).approximateTrimming();
        return ArgvCall.of(r -> r.xadd(key, args, pairs), argv);
    }
}
