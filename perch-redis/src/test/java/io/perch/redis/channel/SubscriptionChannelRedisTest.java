package io.perch.redis.channel;

import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.RecordingBroker.Subscription;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SubscriptionChannelRedisTest {
    private final TestRedis redis = TestRedis.start();
    private final Backend backend = Backend.start(redis, "backend.redis.pool1.channel = my_channel");

    @AfterEach
    void stop() {
        backend.close();
        redis.close();
    }

    @Test
    void subscribeAndUnsubscribeCommandsReachTheBroker() {
        backend.broker.sessions.add("c1");
        await().atMost(Duration.ofSeconds(5)).until(backend.plugin::channelsReady);
        redis.cli().publish("my_channel", "{\"type\": \"subscribe\", \"topic\": \"t/1\", \"clientid\": \"c1\", \"qos\": 1}");
        redis.cli().publish("my_channel", "{\"type\": \"subscribe\", \"topic\": \"t/2\", \"clientid\": \"c1\", \"qos\": 9}");
        redis.cli().publish("my_channel", "{\"type\": \"unsubscribe\", \"topic\": \"t/1\", \"clientid\": \"c1\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.broker.unsubscriptions.size() == 1);
        assertThat(backend.broker.subscriptions).containsExactly(new Subscription("c1", "t/1", 1), new Subscription("c1", "t/2", 2));
        assertThat(backend.broker.unsubscriptions).containsExactly(new Subscription("c1", "t/1", 0));
        assertThat(backend.count("channel", "success")).isEqualTo(3);
    }

    @Test
    void repeatedRejectionsAreAllCountedButLoggedOncePerClient() {
        await().atMost(Duration.ofSeconds(5)).until(backend.plugin::channelsReady);
        try (io.perch.broker.testkit.LogCapture logs = new io.perch.broker.testkit.LogCapture()) {
            for (int i = 0; i < 50; i++) {
                redis.cli().publish("my_channel", "{\"type\": \"subscribe\", \"topic\": \"t/" + i + "\", \"clientid\": \"ghost\"}");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.count("channel", "failure") == 50);
            assertThat(logs.infoAndAbove()).filteredOn(l -> l.contains("ignored a command")).hasSize(1);
        }
    }

    @Test
    void badCommandsAreCountedNeverFatal() {
        await().atMost(Duration.ofSeconds(5)).until(backend.plugin::channelsReady);
        redis.cli().publish("my_channel", "{not json");
        redis.cli().publish("my_channel", "{\"type\": \"subscribe\", \"topic\": \"t\", \"clientid\": \"nobody\"}");
        redis.cli().publish("my_channel", "{\"type\": \"explode\", \"topic\": \"t\", \"clientid\": \"c1\"}");
        redis.cli().publish("my_channel", "[]");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.count("channel", "failure") == 4);
        backend.broker.sessions.add("c2");
        redis.cli().publish("my_channel", "{\"type\": \"subscribe\", \"topic\": \"still/works\", \"clientid\": \"c2\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.broker.subscriptions.size() == 1);
    }
}
