package io.perch.redis.function;

import io.perch.redis.client.RedisCall;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The session store's staging of a pool's writes, as that pool's functions see it: a rule's
 * durable write made inside a store group (a QoS 2 publish) goes with the group's session
 * writes, in one write; every other write and read of the pool first lets such staged writes go,
 * so Redis applies the pool's commands in the order the broker made them.
 */
public interface StagedWrites {
    /** Stages the write when the calling thread has a group open; null when it has none. */
    CompletableFuture<Void> stageInGroup(List<RedisCall> calls);

    /** Called before a write or read goes to the pipeline directly. */
    void beforeDirect();
}
