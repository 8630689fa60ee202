package io.perch.redis.embedded;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.RecordingBroker;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The embedded default: no Redis on a loopback pool means Perch starts its bundled one, durable, and stops it. */
class EmbeddedRedisTest {

    @Test
    void aLoopbackPoolWithNoRedisGetsTheBundledOneWithAof() throws Exception {
        int port = TestRedis.freePort();
        Backend backend = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), List.of(
                "backend.redis.pool1.server = 127.0.0.1:" + port,
                "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool1\"}"));
        Path dataDir = backend.dataDir();
        try {
            assertThat(RedisProcess.answersPing("127.0.0.1", port)).isTrue();
            new Events(backend.broker).connected("sub_client");
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                await().atMost(Duration.ofSeconds(5)).until(() -> c.sync().exists("mqtt:client:sub_client") == 1);
                assertThat(c.sync().configGet("appendonly")).containsEntry("appendonly", "yes");
                assertThat(c.sync().configGet("appendfsync")).containsEntry("appendfsync", "everysec");
                assertThat(c.sync().configGet("dir").get("dir")).isEqualTo(dataDir.resolve("redis").toRealPath().toString());
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        } finally {
            backend.close();
        }
        // Stopped with the plugin, its AOF on disk.
        assertThat(RedisProcess.listening("127.0.0.1", port)).isFalse();
    }

    @Test
    void anAnsweringRedisIsUsedAndNeverReplaced() throws Exception {
        try (TestRedis redis = TestRedis.start()) {
            Backend backend = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), List.of(
                    "backend.redis.pool1.server = " + redis.server(),
                    "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool1\"}"));
            try {
                new Events(backend.broker).connected("c");
                await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:client:c") == 1);
                assertThat(Files.exists(backend.dataDir().resolve("redis"))).isFalse();
            } finally {
                backend.close();
            }
            assertThat(RedisProcess.answersPing("127.0.0.1", redis.port())).isTrue();
        }
    }

    @Test
    void embeddedOffLeavesTheLoopbackPortAlone() throws Exception {
        int port = TestRedis.freePort();
        Backend backend = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), List.of(
                "backend.redis.pool1.server = 127.0.0.1:" + port, "backend.redis.embedded = off"));
        try {
            assertThat(RedisProcess.listening("127.0.0.1", port)).isFalse();
            assertThat(backend.plugin.pipeline("pool1").orElseThrow().isUp()).isFalse();
        } finally {
            backend.close();
        }
    }
}
