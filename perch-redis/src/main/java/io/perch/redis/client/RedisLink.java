package io.perch.redis.client;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/** An open connection of any topology, with the command interface the pipeline uses. */
public record RedisLink(StatefulConnection<byte[], byte[]> connection,
                        RedisClusterAsyncCommands<byte[], byte[]> commands) implements AutoCloseable {
    @Override
    public void close() {
        connection.close();
    }
}
