package io.perch.redis.bench;

import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.Rules;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * How fast on_message_publish persists QoS 1 messages (HSET, EXPIRE and ZADD each, plus the
 * topic's upkeep once a second) through the pipeline. Not part of the test run (the name does not end in
 * Test); run it with {@code mvn -pl perch-redis -am test -Dtest=PublishThroughputBench
 * -Dsurefire.failIfNoSpecifiedTests=false} and read the line it prints.
 */
class PublishThroughputBench {
    @Test
    void persistQos1Publishes() {
        int n = Integer.getInteger("bench.messages", 100_000);
        try (TestRedis redis = TestRedis.start("--appendfsync", "everysec");
             Backend backend = Backend.start(redis, Rules.PUBLISH, "backend.redis.backlog.max = " + (n * 2))) {
            Events events = new Events(backend.broker);
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.plugin.pipeline("pool1").orElseThrow().isUp());
            byte[] payload = new byte[100];
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                events.publish("bench", "bench/" + (i % 100), payload, 1, false);
            }
            long queued = System.nanoTime();
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> backend.plugin.pipeline("pool1").orElseThrow().backlog() == 0);
            long done = System.nanoTime();
            System.out.printf("BENCH on_message_publish: %d QoS1 messages, hooks returned in %.0f ms, all in Redis after %.0f ms: %.0f msg/s%n",
                    n, (queued - t0) / 1e6, (done - t0) / 1e6, n / ((done - t0) / 1e9));
        }
    }
}
