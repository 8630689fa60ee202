package io.perch.redis.cluster;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.config.ClusterConfig;
import io.perch.redis.config.HostPort;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;
import io.perch.redis.config.TlsConfig;
import io.perch.redis.testkit.TestRedis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the cluster tests share: one real Redis, connectors and executors for several "nodes"
 * in this JVM, all closed (in reverse) by {@link #close()}. Times are short so that death and
 * reaping happen within a test, yet a heartbeat fits three times in the node timeout.
 */
final class ClusterRig implements AutoCloseable {
    static final ClusterConfig FAST = new ClusterConfig(true, "pool1", Duration.ofMillis(1500), Duration.ofMillis(100),
            1000, Duration.ofSeconds(2), Duration.ofSeconds(1));

    final TestRedis redis = TestRedis.start();
    final ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> open = new ArrayList<>();

    PoolConnector connector() {
        PoolConfig pc = new PoolConfig("pool1", PoolType.SINGLE, List.of(new HostPort("127.0.0.1", redis.port())), null, 1,
                0, null, null, null, TlsConfig.OFF);
        return keep(new PoolConnector(pc, resources, Duration.ofSeconds(2)));
    }

    ScheduledExecutorService executor(String name) {
        ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "test-cluster-" + name);
            t.setDaemon(true);
            return t;
        });
        keep(() -> {
            e.shutdownNow();
            e.awaitTermination(2, TimeUnit.SECONDS);
        });
        return e;
    }

    Membership member(String name) {
        return member(name, FAST);
    }

    Membership member(String name, ClusterConfig config) {
        return keep(new Membership(connector(), name, config, java.util.Map.of("listeners", "mqtt:tcp:1883"),
                executor(name), registry));
    }

    <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception ignored) {
                // keep closing the rest
            }
        }
        resources.shutdown(0, 1, TimeUnit.SECONDS);
        redis.close();
    }
}
