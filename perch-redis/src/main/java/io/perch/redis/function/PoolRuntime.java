package io.perch.redis.function;

import io.perch.redis.client.CommandPipeline;
import io.perch.redis.client.RedisCall;
import io.perch.redis.client.RedisOp;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A running pool as the functions see it: where to send reads and writes. */
public record PoolRuntime(PoolConfig config, CommandPipeline pipeline) {

    public String name() {
        return config.name();
    }

    public boolean isCluster() {
        return config.type() == PoolType.CLUSTER;
    }

    public CompletableFuture<List<Object>> write(String function, List<RedisCall> calls) {
        return pipeline.submit(RedisOp.write(function, calls));
    }

    /** A write whose reply waits for the pool's WAIT / WAITAOF barrier, when it has one. */
    public CompletableFuture<List<Object>> durableWrite(String function, List<RedisCall> calls) {
        return pipeline.submit(RedisOp.durableWrite(function, calls));
    }

    public CompletableFuture<List<Object>> read(String function, List<RedisCall> calls) {
        return pipeline.submit(RedisOp.read(function, calls));
    }
}
