package io.perch.redis.function;

import io.perch.redis.client.CommandPipeline;
import io.perch.redis.client.RedisCall;
import io.perch.redis.client.RedisOp;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A running pool as the functions see it: where to send reads and writes.
 *
 * @param staged the session store's staging when it keeps its sessions in this pool, else null
 * @param rule   the hook rule ({@code <hook point>.<n>}) whose runs this view submits, counted
 *               per rule as well as per function; null for the pool itself
 */
public record PoolRuntime(PoolConfig config, CommandPipeline pipeline, StagedWrites staged, String rule) {

    public PoolRuntime(PoolConfig config, CommandPipeline pipeline) {
        this(config, pipeline, null, null);
    }

    public PoolRuntime(PoolConfig config, CommandPipeline pipeline, StagedWrites staged) {
        this(config, pipeline, staged, null);
    }

    /** The same pool, its operations counted for {@code rule} too ({@code backend.redis.rule}). */
    public PoolRuntime forRule(String rule) {
        return new PoolRuntime(config, pipeline, staged, rule);
    }

    public String name() {
        return config.name();
    }

    public boolean isCluster() {
        return config.type() == PoolType.CLUSTER;
    }

    public CompletableFuture<List<Object>> write(String function, List<RedisCall> calls) {
        return submit(RedisOp.write(function, calls));
    }

    /**
     * A write whose reply waits for the pool's WAIT / WAITAOF barrier, when it has one. Made
     * inside a session store group (see {@link StagedWrites}), it goes in the group's write;
     * its replies are then not known (nulls), as for any scripted write.
     */
    public CompletableFuture<List<Object>> durableWrite(String function, List<RedisCall> calls) {
        CompletableFuture<Void> grouped = staged == null ? null : staged.stageInGroup(calls);
        if (grouped != null) {
            return grouped.whenComplete((v, e) -> pipeline.countCarried(function, rule, e == null))
                    .thenApply(v -> Collections.nCopies(calls.size(), null));
        }
        return submit(RedisOp.durableWrite(function, calls));
    }

    public CompletableFuture<List<Object>> read(String function, List<RedisCall> calls) {
        return submit(RedisOp.read(function, calls));
    }

    private CompletableFuture<List<Object>> submit(RedisOp op) {
        if (staged != null) {
            staged.beforeDirect();
        }
        return pipeline.submit(rule == null ? op : op.forRule(rule));
    }
}
