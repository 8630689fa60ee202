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
 */
public record PoolRuntime(PoolConfig config, CommandPipeline pipeline, StagedWrites staged) {

    public PoolRuntime(PoolConfig config, CommandPipeline pipeline) {
        this(config, pipeline, null);
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
            return grouped.whenComplete((v, e) -> pipeline.countCarried(function, e == null))
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
        return pipeline.submit(op);
    }
}
