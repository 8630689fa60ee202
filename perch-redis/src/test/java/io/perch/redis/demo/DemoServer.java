package io.perch.redis.demo;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.broker.Broker;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.config.ListenerConfig;
import io.perch.broker.plugin.PluginContext;
import io.perch.redis.plugin.RedisBackendPlugin;
import io.perch.redis.testkit.ConfFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A hand-run broker for writing docs/redis-backend.md before perch-server exists: MQTT on
 * 127.0.0.1:1883 and the Redis backend from the shipped etc/plugins/emqx_backend_redis.conf
 * (so the embedded default starts Redis on 127.0.0.1:6379 if none runs). Not a test.
 * Args: data directory. Stops on SIGTERM/Ctrl-C.
 */
public final class DemoServer {
    private DemoServer() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "data");
        Files.createDirectories(data);
        RedisBackendPlugin plugin = new RedisBackendPlugin();
        plugin.configure(ConfFile.read(ConfFile.shipped()));
        Broker broker = new Broker(BrokerConfig.builder().nodeName("perch@127.0.0.1")
                .listeners(List.of(ListenerConfig.tcp("127.0.0.1", 1883))).build());
        plugin.start(new PluginContext(broker.service(), new SimpleMeterRegistry(), Path.of("."), data));
        broker.start();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.stop();
            plugin.stop();
            done.countDown();
        }));
        done.await();
    }
}
