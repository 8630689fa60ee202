package io.perch.redis.client;

import io.perch.redis.codec.Base62Id;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.Mqtt;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.perch.redis.testkit.Rules.PUBLISH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis goes away and comes back: MQTT goes on, writes wait in order and are replayed. */
class RedisOutageTest {
    private final TestRedis redis = TestRedis.start();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        redis.close();
    }

    @Test
    void writesQueuedWhileRedisIsDownAreReplayedInOrder() {
        Backend backend = Backend.start(redis, PUBLISH,
                "backend.redis.hook.message.publish.2 = {\"action\": {\"commands\": [\"RPUSH order ${msgid}\"]}, \"pool\": \"pool1\"}");
        open.add(backend);
        Events events = new Events(backend.broker);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(pipeline::isUp);
        List<String> ids = new ArrayList<>();
        ids.add(Base62Id.encode(events.publish("p", "t", "before", 1, false).id()));
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().llen("order") == 1);

        redis.kill();
        for (int i = 0; i < 200; i++) {
            ids.add(Base62Id.encode(events.publish("p", "t", "during-" + i, 1, false).id()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !pipeline.isUp());
        assertThat(pipeline.backlog()).isGreaterThan(0);
        assertThat(backend.metrics.get("backend.redis.backlog").tag("pool", "pool1").gauge().value()).isPositive();

        redis.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> pipeline.isUp() && pipeline.backlog() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().zcard("mqtt:msg:t") == 201);
        // Replayed in publish order; a write that was in flight when Redis died may appear twice, never out of order.
        List<String> order = dedupAdjacent(redis.cli().lrange("order", 0, -1));
        assertThat(order).containsExactlyElementsOf(ids);
        assertThat(redis.cli().zrange("mqtt:msg:t", 0, -1)).containsExactlyElementsOf(ids);
    }

    @Test
    void theBacklogIsBoundedCountedAndReadsFailFastWhileDown() {
        Backend backend = Backend.start(redis, PUBLISH, "backend.redis.backlog.max = 10",
                "backend.redis.hook.session.subscribed.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": \"on_message_fetch_for_queue\"}, \"pool\": \"pool1\"}");
        open.add(backend);
        Events events = new Events(backend.broker);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(pipeline::isUp);
        redis.kill();
        events.publish("p", "t", "x", 1, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> !pipeline.isUp());
        for (int i = 0; i < 30; i++) {
            events.publish("p", "t", "x" + i, 1, false);
        }
        assertThat(pipeline.backlog()).isEqualTo(10);
        assertThat(backend.metrics.get("backend.redis.backlog.dropped").tag("pool", "pool1").counter().count()).isEqualTo(21);
        assertThat(backend.count("on_message_publish", "failure")).isEqualTo(21);
        events.subscribed("s", "queue/x", 1);
        await().atMost(Duration.ofSeconds(2)).until(() -> backend.count("on_message_fetch_for_queue", "failure") >= 1);
        redis.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> pipeline.backlog() == 0 && redis.cli().zcard("mqtt:msg:t") == 10);
    }

    /**
     * While Redis is down, routing goes on (the live subscriber gets the message at once) but
     * the QoS 1 PUBACK waits until Redis has the rule's copy: the publisher is held, not told a
     * message is safe that is not. When Redis returns the backlog replays in order, the held
     * acknowledgement goes out and the stream continues; every message is delivered and stored.
     */
    @Test
    void mqttGoesOnWhileRedisIsDownButAcknowledgementsWaitForTheReplay() throws Exception {
        PerchWithRedis perch = PerchWithRedis.start(redis);
        open.add(perch);
        Mqtt sub = Mqtt.connect(perch.uri(), "live_sub", true);
        open.add(sub);
        sub.subscribe("load/#", 1);
        Mqtt pub = Mqtt.connect(perch.uri(), "loader", true);
        open.add(pub);
        CommandPipeline pipeline = perch.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(pipeline::isUp);
        int total = 600;
        for (int i = 0; i < 200; i++) {
            pub.publish("load/" + (i % 5), "m" + i, 1, false);
        }
        redis.kill();
        // Paho's publish returns on PUBACK: the rest runs beside the test.
        CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> {
            for (int i = 200; i < total; i++) {
                pub.publish("load/" + (i % 5), "m" + i, 1, false);
            }
        });
        open.add(() -> rest.cancel(true));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.payloads().contains("m200"));
        assertThat(rest).as("m200 routed, but not acknowledged while Redis is down").isNotDone();
        assertThat(pub.client.isConnected()).isTrue();

        redis.restart();
        rest.get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> sub.received.size() == total);
        await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.isUp() && pipeline.backlog() == 0);
        long stored = 0;
        for (int t = 0; t < 5; t++) {
            stored += redis.cli().zcard("mqtt:msg:load/" + t);
        }
        assertThat(stored).isEqualTo(total);
        assertThat(redis.cli().keys("mqtt:msg:*")).hasSize(total + 5);
    }

    private static List<String> dedupAdjacent(List<String> in) {
        List<String> out = new ArrayList<>();
        for (String s : in) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
