package io.perch.redis.client;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/**
 * An open connection of any topology, with the command interface the pipeline uses.
 * {@code disconnects} counts the client's lost connections: Lettuce keeps a connection "open"
 * while it reconnects, so this is how the pipeline learns that replies will not come.
 * {@code scripts} is false for a cluster, where one script cannot reach the keys of several nodes.
 */
public record RedisLink(StatefulConnection<byte[], byte[]> connection,
                        RedisClusterAsyncCommands<byte[], byte[]> commands,
                        java.util.function.LongSupplier disconnects, boolean scripts) implements AutoCloseable {
    @Override
    public void close() {
        connection.close();
    }
}
