package io.perch.redis.testkit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.redis.plugin.RedisBackendPlugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real engine on free loopback ports with the Redis backend plugged in, configured from
 * the shipped {@code etc/plugins/emqx_backend_redis.conf} with only the server line pointed at
 * the test's Redis, as a user would edit it. Sessions that outlive their connection are kept
 * in that Redis (the plugin's store), unless the test says {@code persistence.mode = memory};
 * retained messages too (the plugin's retained store), as PerchServer wires them.
 */
public final class PerchWithRedis implements AutoCloseable {
    public static final String NODE = "perch@127.0.0.1";
    public final BrokerFixture fixture;
    public final RedisBackendPlugin plugin;
    public final SimpleMeterRegistry metrics;
    private final Path data;

    private PerchWithRedis(BrokerFixture fixture, RedisBackendPlugin plugin, SimpleMeterRegistry metrics, Path data) {
        this.fixture = fixture;
        this.plugin = plugin;
        this.metrics = metrics;
        this.data = data;
    }

    /** The shipped rules against {@code redis}, plus {@code extra} lines (one with a shipped line's key replaces it). */
    public static PerchWithRedis start(TestRedis redis, String... extra) {
        return start(redis, b -> { }, extra);
    }

    /** As {@link #start(TestRedis, String...)}, with the broker's configuration tuned by {@code broker}. */
    public static PerchWithRedis start(TestRedis redis, java.util.function.Consumer<io.perch.broker.config.BrokerConfig.Builder> broker,
                                       String... extra) {
        List<ConfigEntry> extras = ConfFile.parse(List.of(extra), "test-extra.conf");
        List<ConfigEntry> entries = new ArrayList<>();
        for (ConfigEntry e : ConfFile.read(ConfFile.shipped())) {
            if (extras.stream().anyMatch(x -> x.key().equals(e.key()))) {
                continue;
            }
            entries.add(e.key().equals("backend.redis.pool1.server")
                    ? new ConfigEntry(e.key(), redis.server(), e.file(), e.line()) : e);
        }
        entries.add(new ConfigEntry("backend.redis.embedded", "off", "test", 0));
        entries.addAll(extras);
        return start(entries, broker);
    }

    public static PerchWithRedis start(List<ConfigEntry> entries) {
        return start(entries, b -> { });
    }

    private static PerchWithRedis start(List<ConfigEntry> entries,
                                        java.util.function.Consumer<io.perch.broker.config.BrokerConfig.Builder> tune) {
        Path data;
        try {
            data = Files.createTempDirectory("perch-e2e");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisBackendPlugin plugin = new RedisBackendPlugin();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        plugin.configure(entries);
        // As PerchServer does: the plugin's session store (persistence.mode = redis by default
        // with a pool) is the broker's, so these tests run the product's durable mode.
        var persistence = plugin.stores().persistence();
        // Retained messages likewise: the plugin's Redis-backed store when it supplies one.
        var retained = plugin.stores().retained();
        BrokerFixture fixture = BrokerFixture.start(b -> tune.accept(b.nodeName(NODE)), broker -> {
            try {
                plugin.start(new PluginContext(broker.service(), metrics, data, data));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, persistence != null ? persistence : io.perch.broker.persist.SessionPersistence.NONE,
                retained != null ? retained : new io.perch.broker.retain.MemoryRetainedStore());
        return new PerchWithRedis(fixture, plugin, metrics, data);
    }

    public String uri() {
        return fixture.tcpUri();
    }

    public Path dataDir() {
        return data;
    }

    public double count(String function, String result) {
        var c = metrics.find("backend.redis." + function).tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        try {
            fixture.close();
        } finally {
            plugin.stop();
            TestRedis.deleteTree(data);
        }
    }
}
