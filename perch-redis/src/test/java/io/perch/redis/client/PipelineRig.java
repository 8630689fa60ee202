package io.perch.redis.client;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.redis.config.HostPort;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;
import io.perch.redis.config.TlsConfig;
import io.perch.redis.testkit.TestRedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A {@link CommandPipeline} of pool "p1" on a test Redis, with its own client resources and
 * meters, without the plugin around it; {@link #close()} stops all of it. Used by one test thread.
 */
final class PipelineRig implements AutoCloseable {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final CommandPipeline pipeline;
    private final ClientResources resources = DefaultClientResources.create();
    private final PoolConnector connector;

    PipelineRig(TestRedis redis, PoolType type, Durability durability) {
        PoolConfig pool = new PoolConfig("p1", type, List.of(new HostPort("127.0.0.1", redis.port())), null, 1, 0,
                null, null, "mqtt_channel", TlsConfig.OFF);
        connector = new PoolConnector(pool, resources, Duration.ofSeconds(5));
        pipeline = new CommandPipeline("p1", connector::connect, new BackendMetrics(registry), 10_000,
                Duration.ofSeconds(5), durability);
    }

    /** Durable writes not confirmed by the barrier, as counted by the pipeline. */
    double notDurable() {
        return registry.get("backend.redis.durability.failed").tag("pool", "p1").counter().count();
    }

    /** A built-in-style write (scriptable): {@code HSET key f value}. */
    static RedisOp durableHset(String key, String value) {
        return RedisOp.durableWrite("store", List.of(hset(key, value)));
    }

    static RedisOp plainHset(String key, String value) {
        return RedisOp.write("store", List.of(hset(key, value)));
    }

    /** A user-style write (a plain Lettuce call, never scripted): {@code RPUSH key value}. */
    static RedisOp durableRpush(String key, String value) {
        return RedisOp.durableWrite("push", List.of(r -> r.rpush(b(key), b(value))));
    }

    static RedisOp get(String key) {
        return RedisOp.read("get", List.of(r -> r.hget(b(key), b("f"))));
    }

    private static ArgvCall hset(String key, String value) {
        return ArgvCall.of(r -> r.hset(b(key), b("f"), b(value)), "HSET", b(key), "f", b(value));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        pipeline.close(Duration.ofSeconds(1));
        connector.close();
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
