package io.perch.redis.function;

import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.RecordingBroker;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Older EMQ X files put on_subscribe_lookup on session.created; it runs when the client has connected. */
class SessionCreatedAliasRedisTest {
    @Test
    void sessionCreatedRulesRunOnClientConnected() {
        try (TestRedis redis = TestRedis.start();
             Backend backend = Backend.start(redis,
                     "backend.redis.hook.session.created.1 = {\"action\": {\"function\": \"on_subscribe_lookup\"}, \"pool\": \"pool1\"}")) {
            redis.cli().hset("mqtt:sub:dev1", "dev1/cmd", "2");
            new Events(backend.broker).connected("dev1");
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.broker.subscriptions.size() == 1);
            assertThat(backend.broker.subscriptions).containsExactly(new RecordingBroker.Subscription("dev1", "dev1/cmd", 2));
        }
    }
}
