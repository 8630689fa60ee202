package io.perch.redis.testkit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.redis.plugin.RedisBackendPlugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The plugin started against a {@link RecordingBroker} and a {@link TestRedis}, with the given rule lines. */
public final class Backend implements AutoCloseable {
    public final RecordingBroker broker;
    public final RedisBackendPlugin plugin = new RedisBackendPlugin();
    public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final Path dataDir;

    private Backend(RecordingBroker broker, Path dataDir) {
        this.broker = broker;
        this.dataDir = dataDir;
    }

    /** pool1 on the test Redis, embedded off, plus {@code lines} (rules, settings). */
    public static Backend start(TestRedis redis, String... lines) {
        List<String> all = new ArrayList<>(List.of("backend.redis.pool1.server = " + redis.server(),
                "backend.redis.embedded = off"));
        all.addAll(List.of(lines));
        return startWith(new RecordingBroker("perch@127.0.0.1"), all);
    }

    public static Backend startWith(RecordingBroker broker, List<String> lines) {
        try {
            return startWith(broker, lines, Files.createTempDirectory("perch-test-data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As above with a data dir of the caller's (a restart on the same data); {@link #stop()} keeps it. */
    public static Backend startWith(RecordingBroker broker, List<String> lines, Path data) {
        try {
            Backend b = new Backend(broker, data);
            b.plugin.configure(ConfFile.parse(lines, "test.conf"));
            b.plugin.start(new PluginContext(broker, b.metrics, data, data));
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<ConfigEntry> entries(String... lines) {
        return ConfFile.lines(lines);
    }

    public Path dataDir() {
        return dataDir;
    }

    public double count(String function, String result) {
        var c = metrics.find("backend.redis." + function).tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    /** Stops the plugin and keeps the data dir. */
    public void stop() {
        plugin.stop();
    }

    @Override
    public void close() {
        plugin.stop();
        TestRedis.deleteTree(dataDir);
    }
}
