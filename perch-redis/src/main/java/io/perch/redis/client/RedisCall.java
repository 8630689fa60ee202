package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/**
 * One Redis command, issued on whichever connection the pipeline holds. The interface that
 * single, Sentinel and Cluster connections share is {@link RedisClusterAsyncCommands}, so a
 * call works on all three (Cluster routes it by its first key).
 */
@FunctionalInterface
public interface RedisCall {
    RedisFuture<?> issue(RedisClusterAsyncCommands<byte[], byte[]> redis);
}
