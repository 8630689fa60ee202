package io.perch.auth.redis;

import io.perch.broker.testkit.RawClient;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis going away: authentication queries fail, the chain asks the next source (here none, so
 * allow_anonymous decides), the broker keeps serving, and the source comes back with Redis.
 */
class RedisAuthOutageTest {
    TestRedis redis;
    PerchWithAuth perch;

    @BeforeEach
    void start() {
        redis = TestRedis.start();
        redis.cli().hset("mqtt_user:alice", "password", "public");
        redis.cli().hset("mqtt_acl:alice", "t/#", "3");
    }

    @AfterEach
    void stop() {
        try {
            if (perch != null) {
                perch.close();
            }
        } finally {
            redis.close();
        }
    }

    @Test
    void redisDownFallsThroughAndTheBrokerKeepsServing() {
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(true).aclNoMatchAllow(true),
                "auth.redis.query_timeout = 1s");
        RawClient alice = perch.client(5, "alice-1", "alice", "public");
        assertThat(PerchWithAuth.subscribe(alice, 1, "t/#")).isEqualTo(1);
        assertThat(perch.connectV5("c0", "alice", "wrong")).isEqualTo(RedisAuthTest.V5_BAD_CREDENTIALS);

        redis.kill();

        // Redis cannot answer: not a refusal but "not mine", and allow_anonymous lets the client in.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> perch.connectV5("c" + System.nanoTime(), "alice", "wrong") == 0);
        assertThat(perch.counter("perch.auth.redis.errors")).isPositive();
        assertThat(perch.counter("perch.auth.outcomes", "source", "redis", "result", "error")).isPositive();

        // Clients already in go on: a message published now reaches alice.
        RawClient other = perch.client(3, "other", null, null);
        other.publish("t/1", 1, "still serving", 1);
        assertThat(RawClient.text(alice.expectPublish())).isEqualTo("still serving");
        // An ACL that cannot be read does not open a topic.
        assertThat(PerchWithAuth.subscribe(alice, 2, "t/new/+")).isEqualTo(0x87);

        redis.restart();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                .until(() -> perch.connectV5("c" + System.nanoTime(), "alice", "wrong")
                        == RedisAuthTest.V5_BAD_CREDENTIALS);
        assertThat(perch.connectV5("c-ok", "alice", "public")).isEqualTo(0);
    }

    @Test
    void startsWithoutRedisAndConnectsWhenItComes() {
        redis.kill();
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(true), "auth.redis.query_timeout = 1s");
        assertThat(perch.connectV5("c0", "alice", "wrong")).isEqualTo(0);

        redis.restart();
        // The source tries again every RedisQueries.RETRY.
        await().atMost(RedisQueries.RETRY.multipliedBy(4)).pollInterval(Duration.ofMillis(250))
                .until(() -> perch.connectV5("c" + System.nanoTime(), "alice", "wrong")
                        == RedisAuthTest.V5_BAD_CREDENTIALS);
    }
}
