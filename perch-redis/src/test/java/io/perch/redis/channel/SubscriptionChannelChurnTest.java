package io.perch.redis.channel;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.perch.broker.api.BrokerService;
import io.perch.broker.testkit.ChurnClients;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker's SubscriptionChurnTest, but the subscribe/unsubscribe commands that race the
 * clients go the real way: JSON PUBLISHed on the Redis subscription channel of the shipped rule
 * file ({@code mqtt_channel}), read by the Redis backend plugin and applied to a real broker.
 * Paho clients subscribe, unsubscribe, reconnect (clean or not) and are kicked through the API
 * while publishers run and pipelined channel commands add and remove plain and shared filters
 * ({@code $share/g/a/+}, {@code $queue/b/1}). Once every channel command has been handled,
 * every session's subscriptions and the subscription tree agree, and no live connection was
 * left without an answer.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SubscriptionChannelChurnTest {
    private static final String CHANNEL = "mqtt_channel"; // set by etc/plugins/emqx_backend_redis.conf
    private static final Duration RUN = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final ExecutorService pool = Executors.newFixedThreadPool(6);
    private ChurnClients clients;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong heard = new AtomicLong();
    private TestRedis redis;
    private PerchWithRedis perch;

    @BeforeEach
    void startAll() {
        redis = TestRedis.start();
        perch = PerchWithRedis.start(redis);
    }

    @AfterEach
    void stopAll() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        if (clients != null) {
            clients.close();
        }
        try {
            if (perch != null) {
                perch.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    void sessionsAndTheTreeAgreeAfterChurnThroughTheRedisChannel() throws Exception {
        await().atMost(WAIT).until(perch.plugin::channelsReady);
        BrokerService api = perch.fixture.broker().service();
        clients = new ChurnClients(perch.uri());
        long until = System.nanoTime() + RUN.toNanos();
        List<Future<?>> work = new ArrayList<>();
        for (int w = 0; w < ChurnClients.WORKERS; w++) {
            int worker = w;
            work.add(pool.submit(() -> clients.work(worker, until)));
        }
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(7);
            RedisAsyncCommands<String, String> async = redis.cli().getStatefulConnection().async();
            List<RedisFuture<Long>> batch = new ArrayList<>();
            while (System.nanoTime() < until) { // an application driving the Redis channel, pipelined
                String id = ChurnClients.id(r.nextInt(ChurnClients.CLIENTS));
                String f = ChurnClients.FILTERS.get(r.nextInt(ChurnClients.FILTERS.size()));
                String cmd = r.nextBoolean()
                        ? "{\"type\": \"subscribe\", \"topic\": \"" + f + "\", \"clientid\": \"" + id + "\", \"qos\": " + r.nextInt(3) + "}"
                        : "{\"type\": \"unsubscribe\", \"topic\": \"" + f + "\", \"clientid\": \"" + id + "\"}";
                batch.add(async.publish(CHANNEL, cmd));
                sent.incrementAndGet();
                if (batch.size() == 50) {
                    heardBy(batch);
                }
            }
            heardBy(batch);
            return null;
        }));
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(11);
            while (System.nanoTime() < until) {
                api.kick(ChurnClients.id(r.nextInt(ChurnClients.CLIENTS)));
                sleepQuietly(20);
            }
        }));
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(13);
            while (System.nanoTime() < until) {
                String topic = List.of("a/x", "a/b/c", "b/1", "c").get(r.nextInt(4));
                api.publish(api.newMessage(topic, "p".getBytes(StandardCharsets.UTF_8), r.nextInt(2), false, "churn-pub"));
                sleepQuietly(1); // pacing: unpaced, ~100k stored QoS 1 publishes in 3 s crowd out the churn
            }
        }));
        for (Future<?> f : work) {
            f.get(30, TimeUnit.SECONDS); // rethrows what a worker threw
        }

        assertThat(sent.get()).as("channel commands published").isPositive();
        assertThat(heard.get()).as("every command reached the plugin's channel subscription").isEqualTo(sent.get());
        await().atMost(WAIT).untilAsserted(() -> assertThat(perch.count(SubscriptionChannel.METRIC, "success")
                + perch.count(SubscriptionChannel.METRIC, "failure")).as("channel commands handled").isEqualTo((double) sent.get()));
        assertThat(perch.count(SubscriptionChannel.METRIC, "success")).as("channel commands that changed a session").isPositive();
        await().atMost(WAIT).untilAsserted(() -> assertThat(ChurnClients.treeCounts(api)).isEqualTo(ChurnClients.sessionCounts(api)));
        assertThat(api.clients()).as("the churn left sessions to compare").isNotEmpty();
        assertThat(clients.unanswered).as("requests a live connection never got an answer to").isEmpty();
    }

    /** Waits (bounded) for a batch of PUBLISHes and adds how many channel subscribers heard them. */
    private void heardBy(List<RedisFuture<Long>> batch) throws Exception {
        for (RedisFuture<Long> p : batch) {
            heard.addAndGet(p.get(10, TimeUnit.SECONDS));
        }
        batch.clear();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms); // pacing a loop, not waiting for a result
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
