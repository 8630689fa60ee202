package io.perch.redis.function;

import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.RecordingBroker;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ClientFunctionsRedisTest {
    private TestRedis redis;
    private Backend backend;
    private Events events;

    @BeforeEach
    void start() {
        redis = TestRedis.start();
        backend = Backend.start(redis,
                "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.client.connected.2 = {\"action\": {\"function\": \"on_subscribe_lookup\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.client.disconnected.1 = {\"action\": {\"function\": \"on_client_disconnected\"}, \"pool\": \"pool1\"}");
        events = new Events(backend.broker);
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        redis.close();
    }

    @Test
    void connectWritesClientAndNodeHashesAsTheSeedShows() {
        long before = System.currentTimeMillis() / 1000;
        events.connected("sub_client");
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:client:sub_client") == 1);
        Map<String, String> client = redis.cli().hgetall("mqtt:client:sub_client");
        assertThat(client).containsOnlyKeys("state", "online_at", "offline_at");
        assertThat(client.get("state")).isEqualTo("1");
        assertThat(client.get("offline_at")).isEqualTo("undefined");
        assertThat(Long.parseLong(client.get("online_at"))).isBetween(before, before + 5);
        await().until(() -> redis.cli().hexists("mqtt:node:perch@127.0.0.1", "sub_client"));
        assertThat(redis.cli().hget("mqtt:node:perch@127.0.0.1", "sub_client")).isEqualTo(client.get("online_at"));
        assertThat(redis.cli().keys("*")).containsExactlyInAnyOrder("mqtt:client:sub_client", "mqtt:node:perch@127.0.0.1");
        assertThat(backend.count("on_client_connected", "success")).isEqualTo(1);
    }

    @Test
    void disconnectMarksOfflineAndLeavesTheNode() {
        events.connected("c1");
        events.connected("c2");
        events.disconnected("c1");
        await().atMost(Duration.ofSeconds(5)).until(() -> "0".equals(redis.cli().hget("mqtt:client:c1", "state")));
        Map<String, String> c1 = redis.cli().hgetall("mqtt:client:c1");
        assertThat(c1.get("offline_at")).matches("\\d{10}");
        assertThat(c1.get("online_at")).matches("\\d{10}");
        await().until(() -> !redis.cli().hexists("mqtt:node:perch@127.0.0.1", "c1"));
        assertThat(redis.cli().hkeys("mqtt:node:perch@127.0.0.1")).containsExactly("c2");
    }

    @Test
    void aTakenOverConnectionDoesNotMarkTheLiveClientOffline() {
        events.connected("c1");
        // The old connection's disconnected arrives while the new connection of c1 is live.
        backend.broker.hooks().run(io.perch.broker.hook.HookPoints.CLIENT_DISCONNECTED,
                new io.perch.broker.hook.event.DisconnectedEvent(events.client("c1"), "takenover"));
        events.connected("c3");
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().hexists("mqtt:node:perch@127.0.0.1", "c3"));
        assertThat(redis.cli().hget("mqtt:client:c1", "state")).isEqualTo("1");
        assertThat(redis.cli().hexists("mqtt:node:perch@127.0.0.1", "c1")).isTrue();
    }

    @Test
    void subscribeLookupSubscribesEveryPresetFilterWithClampedQos() {
        redis.cli().hset("mqtt:sub:sub_client", Map.of("sub_client/upstream", "1", "sub_client/downlink", "1",
                "too/high", "7", "garbage/qos", "x"));
        events.connected("sub_client");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.broker.subscriptions.size() == 4);
        assertThat(backend.broker.subscriptions).containsExactlyInAnyOrder(
                new RecordingBroker.Subscription("sub_client", "sub_client/upstream", 1),
                new RecordingBroker.Subscription("sub_client", "sub_client/downlink", 1),
                new RecordingBroker.Subscription("sub_client", "too/high", 2),
                new RecordingBroker.Subscription("sub_client", "garbage/qos", 0));
        assertThat(backend.count("on_subscribe_lookup", "success")).isEqualTo(1);
    }
}
