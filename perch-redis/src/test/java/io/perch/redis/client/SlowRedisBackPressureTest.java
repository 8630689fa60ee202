package io.perch.redis.client;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.message.Message;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.perch.redis.testkit.Rules.PUBLISH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis answers but lags (CLIENT PAUSE): publishers are held back (their message.publish
 * chain completes only when the pipeline catches up) instead of writes being dropped, so a
 * persisted stream is bounded by Redis throughput and every message is stored.
 */
class SlowRedisBackPressureTest {
    private final TestRedis redis = TestRedis.start();
    private Backend backend;

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
        redis.close();
    }

    @Test
    void aLaggingRedisSlowsPublishersAndLosesNothing() {
        backend = Backend.start(redis, PUBLISH, "backend.redis.backlog.max = 40");
        Events events = new Events(backend.broker);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(pipeline::isUp);

        redis.cli().clientPause(1500); // Redis stays up but answers nothing for 1.5 s
        int held = 0;
        for (int i = 0; i < 100; i++) {
            // As a connection does: the next PUBLISH is processed once this one's chain completed.
            Message m = backend.broker.newMessage("t", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false, "p");
            CompletableFuture<PublishEvent> chain = backend.broker.hooks().run(HookPoints.MESSAGE_PUBLISH,
                    new PublishEvent(events.client("p"), m, true)).toCompletableFuture();
            if (!chain.isDone()) {
                held++;
            }
            chain.orTimeout(15, TimeUnit.SECONDS).join();
        }
        assertThat(held).as("publishes held back while Redis lagged").isPositive();
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().zcard("mqtt:msg:t") == 100);
        assertThat(backend.metrics.get("backend.redis.backlog.dropped").tag("pool", "pool1").counter().count()).isZero();
        assertThat(backend.count("on_message_publish", "failure")).isZero();
    }
}
