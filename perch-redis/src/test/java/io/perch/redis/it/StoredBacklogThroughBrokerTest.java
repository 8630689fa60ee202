package io.perch.redis.it;

import io.perch.broker.stats.BrokerStats;
import io.perch.redis.testkit.Mqtt;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End to end with the shipped rules and a session queue of 10 (zone.external.max_mqueue_len):
 * 250 messages stored while nobody subscribed all reach the client that subscribes, in publish
 * order, and the broker drops none for a full queue.
 */
class StoredBacklogThroughBrokerTest {
    private static final int N = 250;
    private final TestRedis redis = TestRedis.start();
    private final List<AutoCloseable> open = new ArrayList<>();
    private PerchWithRedis perch;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (perch != null) {
            perch.close();
        }
        redis.close();
    }

    private Mqtt client(String id) {
        Mqtt m = Mqtt.connect(perch.uri(), id, true);
        open.add(m);
        return m;
    }

    private void storeWhileNobodySubscribes(String topic) {
        Mqtt pub = client("pub");
        for (int i = 0; i < N; i++) {
            pub.publish(topic, "m" + i, 1, false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:" + topic) == N);
    }

    private static List<String> inOrder() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            out.add("m" + i);
        }
        return out;
    }

    private void assertAllArrive(Mqtt sub) {
        await().atMost(Duration.ofSeconds(30)).until(() -> sub.received.size() >= N);
        assertThat(sub.payloads()).containsExactlyElementsOf(inOrder());
        BrokerStats stats = perch.fixture.broker().service().stats();
        assertThat(stats.messagesDroppedQueueFull.sum()).isZero();
    }

    @Test
    void aQueueBacklogLargerThanTheSessionQueueArrivesInFull() {
        perch = PerchWithRedis.start(redis, b -> b.maxMqueueLen(10));
        storeWhileNobodySubscribes("queue/backlog");
        Mqtt sub = client("sub");
        sub.subscribe("queue/backlog", 1);
        assertAllArrive(sub);
        // Each acknowledgement consumed its stored message.
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:queue/backlog") == 0);
    }

    @Test
    void aPubsubBacklogFromTheEarliestOffsetArrivesInFull() {
        perch = PerchWithRedis.start(redis, b -> b.maxMqueueLen(10),
                "backend.redis.hook.session.subscribed.2 = {\"topic\": \"pubsub/#\", \"offset\": \"earliest\", \"action\": {\"function\": \"on_message_fetch_for_pubsub\"}, \"pool\": \"pool1\"}");
        storeWhileNobodySubscribes("pubsub/backlog");
        Mqtt sub = client("sub");
        sub.subscribe("pubsub/backlog", 1);
        assertAllArrive(sub);
    }

    /**
     * Live messages published while the backlog is paged in come after it, each once (the
     * session holds them back until the fetch is done; one the fetch read too arrives at its
     * place in the backlog), whatever the timing. Five: the half of the queue's bound a hold
     * may use (past it, live messages go on regardless).
     */
    private void assertLiveComeAfterTheBacklog(String topic) {
        Mqtt sub = client("sub");
        Mqtt live = client("live");
        sub.subscribe(topic, 1);
        for (int i = 0; i < 5; i++) {
            live.publish(topic, "live" + i, 1, false);
        }
        List<String> expected = inOrder();
        for (int i = 0; i < 5; i++) {
            expected.add("live" + i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> sub.received.size() >= expected.size());
        assertThat(sub.payloads()).containsExactlyElementsOf(expected);
        assertThat(perch.fixture.broker().service().stats().messagesDroppedQueueFull.sum()).isZero();
    }

    @Test
    void liveMessagesComeAfterAQueueBacklog() {
        perch = PerchWithRedis.start(redis, b -> b.maxMqueueLen(10));
        storeWhileNobodySubscribes("queue/live");
        assertLiveComeAfterTheBacklog("queue/live");
    }

    @Test
    void liveMessagesComeAfterAPubsubBacklogOnce() {
        perch = PerchWithRedis.start(redis, b -> b.maxMqueueLen(10),
                "backend.redis.hook.session.subscribed.2 = {\"topic\": \"pubsub/#\", \"offset\": \"earliest\", \"action\": {\"function\": \"on_message_fetch_for_pubsub\"}, \"pool\": \"pool1\"}");
        storeWhileNobodySubscribes("pubsub/live");
        assertLiveComeAfterTheBacklog("pubsub/live");
    }
}
