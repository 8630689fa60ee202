package io.perch.redis.cluster;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.redis.client.BackendMetrics;
import io.perch.redis.client.CommandPipeline;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.config.HostPort;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;
import io.perch.redis.config.TlsConfig;
import io.perch.redis.function.PoolRuntime;
import io.perch.redis.testkit.TestRedis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One node's view of a test Redis: a pool (connector, pipeline, runtime) with its own client
 * resources and meters. {@link #close()} stops all of it (not the Redis). Used by one test thread.
 */
final class NodePool implements AutoCloseable {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final PoolConnector connector;
    final CommandPipeline pipeline;
    final PoolRuntime pool;
    private final ClientResources resources = DefaultClientResources.create();

    NodePool(TestRedis redis) {
        PoolConfig config = new PoolConfig("p1", PoolType.SINGLE, List.of(new HostPort("127.0.0.1", redis.port())), null,
                1, 0, null, null, "mqtt_channel", TlsConfig.OFF);
        connector = new PoolConnector(config, resources, Duration.ofSeconds(5));
        pipeline = new CommandPipeline("p1", connector::connect, new BackendMetrics(registry), 10_000,
                Duration.ofSeconds(5));
        pipeline.start();
        pool = new PoolRuntime(config, pipeline);
    }

    double counter(String name) {
        var c = registry.find(name).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        pipeline.close(Duration.ofSeconds(1));
        connector.close();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
