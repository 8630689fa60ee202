package io.perch.redis.it;

import io.perch.redis.testkit.Mqtt;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The seed article's walkthrough against the real engine, real sockets and a real Redis,
 * with the shipped rule file: online status, proxy subscriptions, stored messages, offline
 * messages (one-to-one and one-to-many) and retained messages across a broker restart.
 */
class SeedWalkthroughTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final TestRedis redis = TestRedis.start();
    private final List<AutoCloseable> open = new ArrayList<>();
    private PerchWithRedis perch;

    private PerchWithRedis startPerch() {
        perch = PerchWithRedis.start(redis);
        open.add(perch);
        return perch;
    }

    private void restartPerch() {
        perch.close();
        open.remove(perch);
        startPerch();
    }

    private Mqtt client(String id, boolean clean) {
        Mqtt m = Mqtt.connect(perch.uri(), id, clean);
        open.add(m);
        return m;
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        redis.close();
    }

    @Test
    void onlineStatusKeysAsTheSeedShows() {
        startPerch();
        Mqtt c = client("sub_client", true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:client:sub_client", "mqtt:node:perch@127.0.0.1") == 2);
        assertThat(redis.cli().keys("*")).containsExactlyInAnyOrder("mqtt:client:sub_client", "mqtt:node:perch@127.0.0.1");
        Map<String, String> client = redis.cli().hgetall("mqtt:client:sub_client");
        assertThat(client).containsEntry("state", "1").containsEntry("offline_at", "undefined");
        assertThat(redis.cli().hget("mqtt:node:perch@127.0.0.1", "sub_client")).isEqualTo(client.get("online_at"));

        c.disconnect();
        await().atMost(WAIT).until(() -> "0".equals(redis.cli().hget("mqtt:client:sub_client", "state")));
        assertThat(redis.cli().hget("mqtt:client:sub_client", "offline_at")).matches("\\d{10}");
        await().atMost(WAIT).until(() -> redis.cli().hlen("mqtt:node:perch@127.0.0.1") == 0);
    }

    @Test
    void presetSubscriptionsAreAppliedOnConnectAndReceive() {
        startPerch();
        redis.cli().hset("mqtt:sub:sub_client", "sub_client/upstream", "1");
        redis.cli().hset("mqtt:sub:sub_client", "sub_client/downlink", "1");
        Mqtt c = client("sub_client", true);
        await().atMost(WAIT).until(() -> perch.fixture.broker().service().subscriptions("sub_client").size() == 2);
        assertThat(perch.fixture.broker().service().subscriptions("sub_client"))
                .containsOnlyKeys("sub_client/upstream", "sub_client/downlink")
                .allSatisfy((f, o) -> assertThat(o.qos()).isEqualTo(1));
        Mqtt pub = client("publisher", true);
        pub.publish("sub_client/downlink", "hello", 1, false);
        await().atMost(WAIT).until(() -> c.payloads().contains("hello"));
        assertThat(c.received.get(0).qos()).isEqualTo(1);
    }

    @Test
    void publishedMessagesAreListedAndDetailed() {
        startPerch();
        Mqtt c = client("sub_client", true);
        for (int i = 0; i < 7; i++) {
            c.publish("upstream_topic", "{ \"cmd\": \"reboot\" }", 1 + i % 2, false);
        }
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:msg:upstream_topic") == 7);
        List<String> ids = redis.cli().zrange("mqtt:msg:upstream_topic", 0, -1);
        assertThat(ids).allMatch(id -> id.matches("[0-9A-Za-z]{20}")).isSorted();
        Map<String, String> last = redis.cli().hgetall("mqtt:msg:" + ids.get(6));
        assertThat(last).containsEntry("id", ids.get(6)).containsEntry("from", "sub_client").containsEntry("qos", "1")
                .containsEntry("topic", "upstream_topic").containsEntry("payload", "{ \"cmd\": \"reboot\" }")
                .containsEntry("retain", "false");
        assertThat(last.get("ts")).matches("\\d{10}");
        assertThat(redis.cli().ttl("mqtt:msg:" + ids.get(6))).isBetween(3500L, 3600L);
    }

    @Test
    void queueMessagesWaitInRedisThroughABrokerRestartAndAreConsumedOnce() {
        startPerch();
        Mqtt sub = client("queue_sub", false);
        sub.subscribe("queue/orders", 1);
        sub.disconnect();
        Mqtt pub = client("publisher", true);
        for (int i = 1; i <= 3; i++) {
            pub.publish("queue/orders", "order-" + i, 1, false);
        }
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:msg:queue/orders") == 3);
        // The broker's memory (and the session queue in it) is gone; Redis still has the messages.
        restartPerch();
        Mqtt again = client("queue_sub", false);
        again.subscribe("queue/orders", 1);
        await().atMost(WAIT).until(() -> again.received.size() >= 3);
        assertThat(again.payloads()).containsExactly("order-1", "order-2", "order-3");
        // Acked: consumed from Redis (hashes deleted, the emptied set vanishes), so nobody gets them again.
        await().atMost(WAIT).until(() -> redis.cli().keys("mqtt:msg:*").isEmpty());
    }

    @Test
    void aResumedSessionDoesNotGetQueuedMessagesTwice() {
        startPerch();
        Mqtt sub = client("dup_sub", false);
        sub.subscribe("queue/dup", 1);
        sub.disconnect();
        Mqtt pub = client("publisher", true);
        for (int i = 1; i <= 3; i++) {
            pub.publish("queue/dup", "m" + i, 1, false);
        }
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:msg:queue/dup") == 3);
        // The session queue holds the three messages, and Redis holds them too; resubscribing fetches from Redis.
        Mqtt again = client("dup_sub", false);
        again.subscribe("queue/dup", 1);
        await().atMost(WAIT).until(() -> again.received.size() >= 3 && redis.cli().zcard("mqtt:msg:queue/dup") == 0);
        // Give a duplicate the time a fetch takes to show up, then check there was none.
        Mqtt probe = client("probe", true);
        probe.subscribe("queue/dup", 1);
        pub.publish("queue/dup", "marker", 1, false);
        await().atMost(WAIT).until(() -> again.payloads().contains("marker"));
        assertThat(again.payloads()).containsExactly("m1", "m2", "m3", "marker");
    }

    @Test
    void pubsubSubscribersResumeAfterTheirOwnPosition() {
        startPerch();
        Mqtt s1 = client("ps1", false);
        s1.subscribe("pubsub/news", 1);
        Mqtt pub = client("publisher", true);
        pub.publish("pubsub/news", "n1", 1, false);
        await().atMost(WAIT).until(() -> s1.payloads().contains("n1"));
        await().atMost(WAIT).until(() -> redis.cli().get("mqtt:acked:ps1:pubsub/news") != null);
        s1.disconnect();
        pub.publish("pubsub/news", "n2", 1, false);
        pub.publish("pubsub/news", "n3", 1, false);
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:msg:pubsub/news") == 3);
        restartPerch();
        Mqtt again = client("ps1", false);
        again.subscribe("pubsub/#", 1);
        await().atMost(WAIT).until(() -> again.received.size() >= 2);
        assertThat(again.payloads()).containsExactly("n2", "n3");
        // One-to-many: nothing is deleted by acks.
        assertThat(redis.cli().zcard("mqtt:msg:pubsub/news")).isEqualTo(3);
        await().atMost(WAIT).until(() -> redis.cli().get("mqtt:acked:ps1:pubsub/news")
                .equals(redis.cli().zrange("mqtt:msg:pubsub/news", -1, -1).get(0)));
    }

    @Test
    void retainedMessagesSurviveABrokerRestart() {
        startPerch();
        Mqtt pub = client("publisher", true);
        pub.publish("dev/1/state", "on", 1, true);
        pub.publish("dev/2/state", "off", 0, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state", "mqtt:retain:dev/2/state") == 2);
        String id = redis.cli().zrange("mqtt:retain:dev/1/state", 0, -1).get(0);
        assertThat(redis.cli().hget("mqtt:msg:" + id, "retain")).isEqualTo("true");
        restartPerch();
        Mqtt sub = client("watcher", true);
        sub.subscribe("dev/+/state", 1);
        await().atMost(WAIT).until(() -> sub.received.size() >= 2);
        assertThat(sub.received).extracting(Mqtt.Received::topic, Mqtt.Received::payload, Mqtt.Received::retained)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("dev/1/state", "on", true),
                        org.assertj.core.groups.Tuple.tuple("dev/2/state", "off", true));

        // An empty retained payload deletes it, in Redis too.
        Mqtt pub2 = client("publisher2", true);
        pub2.publish("dev/1/state", "", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state", "mqtt:msg:" + id) == 0);
    }

    @Test
    void aRetainedMessageIsReceivedOnceWhileTheBrokerAlsoHasIt() {
        startPerch();
        Mqtt pub = client("publisher", true);
        pub.publish("room/1/temp", "21", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:room/1/temp") == 1);
        Mqtt sub = client("watcher", true);
        sub.subscribe("room/+/temp", 1);
        await().atMost(WAIT).until(() -> sub.received.size() >= 1);
        // A marker published after the subscription arrives after any retained delivery.
        pub.publish("room/2/temp", "marker", 1, false);
        await().atMost(WAIT).until(() -> sub.payloads().contains("marker"));
        assertThat(sub.payloads()).containsExactly("21", "marker");
    }
}
