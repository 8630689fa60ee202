package io.perch.redis.it;

import io.perch.broker.message.Message;
import io.perch.broker.retain.RetainedStore;
import io.perch.redis.testkit.Mqtt;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis is the source of truth for retained messages when the backend is on: the broker's
 * retained store (what the REST API, the dashboard and ctl see) is loaded from Redis at start,
 * deletes reach Redis, and a subscriber gets each retained message once although both the
 * broker and on_retain_lookup send retained messages. Real broker, real Redis, real clients,
 * the shipped rule file.
 */
class RetainedInRedisTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final TestRedis redis = TestRedis.start();
    private final List<AutoCloseable> open = new ArrayList<>();
    private PerchWithRedis perch;
    private String[] extra = {};
    private int markers;

    private void startPerch() {
        perch = PerchWithRedis.start(redis, extra);
        open.add(perch);
        // Loaded from Redis before the API is asked (subscribes wait for the load by themselves).
        perch.plugin.retainedStore().orElseThrow().ready().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private void restartPerch() {
        perch.close();
        open.remove(perch);
        startPerch();
    }

    private Mqtt client(String id) {
        Mqtt m = Mqtt.connect(perch.uri(), id, true);
        open.add(m);
        return m;
    }

    private RetainedStore api() {
        return perch.fixture.broker().service().retained();
    }

    /** The topics the API lists, less the broker's own $SYS topics (kept in memory only). */
    private List<String> listed() {
        return api().list(0, 1000).stream().map(Message::topic).filter(t -> !t.startsWith("$")).toList();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        redis.close();
    }

    /**
     * Everything on_retain_lookup would still deliver for the subscriptions {@code sub} made
     * before has arrived: a retained message only Redis holds (as if another node wrote it),
     * found through a wildcard like theirs (index walk, TYPE, ZRANGE, HGETALL: at least as many
     * steps on the same ordered pipeline), is delivered after theirs.
     */
    private void barrier(Mqtt sub) {
        String topic = "marker/" + (++markers) + "/x";
        String payload = "marker-" + markers;
        client("marker-pub-" + markers).publish("stored/" + topic, payload, 1, false);
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:msg:stored/" + topic) == 1);
        String id = redis.cli().zrange("mqtt:msg:stored/" + topic, 0, -1).get(0);
        redis.cli().hset("mqtt:msg:" + id, Map.of("topic", topic, "retain", "true"));
        redis.cli().zadd("mqtt:retain:" + topic, 0, id);
        redis.cli().zadd("mqtt:topics:retain", 0, topic);
        sub.subscribe("marker/" + markers + "/+", 1);
        await().atMost(WAIT).until(() -> sub.payloads().contains(payload));
    }

    private static long count(Mqtt sub, String topic) {
        return sub.received.stream().filter(r -> r.topic().equals(topic)).count();
    }

    @Test
    void aRetainedMessageIsListedAfterARestartAndDeliveredOnce() {
        startPerch();
        client("dev").publish("dev/1/state", "on", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state") == 1);

        restartPerch();
        assertThat(listed()).containsExactly("dev/1/state");
        assertThat(api().size()).isEqualTo(api().list(0, 1000).size());
        assertThat(new String(api().get("dev/1/state").orElseThrow().payload())).isEqualTo("on");

        Mqtt sub = client("watcher");
        sub.subscribe("dev/1/state", 1);
        await().atMost(WAIT).until(() -> count(sub, "dev/1/state") == 1);
        barrier(sub);
        assertThat(sub.received).filteredOn(r -> r.topic().equals("dev/1/state"))
                .extracting(Mqtt.Received::payload, Mqtt.Received::retained).containsExactly(org.assertj.core.groups.Tuple.tuple("on", true));
    }

    @Test
    void deletingThroughTheApiDeletesTheRedisCopy() {
        startPerch();
        client("dev").publish("dev/1/state", "on", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state") == 1);
        String id = redis.cli().zrange("mqtt:retain:dev/1/state", 0, -1).get(0);

        assertThat(api().remove("dev/1/state")).isTrue();
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state", "mqtt:msg:" + id) == 0);
        assertThat(redis.cli().zrange("mqtt:topics:retain", 0, -1)).doesNotContain("dev/1/state");

        restartPerch();
        assertThat(listed()).isEmpty();
        Mqtt sub = client("watcher");
        sub.subscribe("dev/#", 1);
        barrier(sub);
        assertThat(count(sub, "dev/1/state")).isZero();
    }

    @Test
    void anEmptyRetainedPayloadDeletesItEverywhere() {
        startPerch();
        Mqtt dev = client("dev");
        dev.publish("dev/1/state", "on", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state") == 1);
        String id = redis.cli().zrange("mqtt:retain:dev/1/state", 0, -1).get(0);
        dev.publish("dev/1/state", "", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state", "mqtt:msg:" + id) == 0);
        assertThat(api().get("dev/1/state")).isEmpty();

        restartPerch();
        assertThat(listed()).isEmpty();
        Mqtt sub = client("watcher");
        sub.subscribe("dev/1/state", 1);
        barrier(sub);
        assertThat(count(sub, "dev/1/state")).isZero();
    }

    @Test
    void aWildcardSubscriptionAfterARestartGetsEachMatchingTopicOnce() {
        startPerch();
        Mqtt dev = client("dev");
        dev.publish("dev/1/state", "on", 1, true);
        dev.publish("dev/2/state", "off", 1, true);
        dev.publish("dev/2/config", "c", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:topics:retain") == 3);

        restartPerch();
        assertThat(listed()).containsExactly("dev/1/state", "dev/2/config", "dev/2/state");
        Mqtt sub = client("watcher");
        sub.subscribe("dev/+/state", 1);
        await().atMost(WAIT).until(() -> sub.received.size() >= 2);
        barrier(sub);
        assertThat(sub.received).filteredOn(r -> r.topic().startsWith("dev/"))
                .extracting(Mqtt.Received::topic).containsExactlyInAnyOrder("dev/1/state", "dev/2/state");
    }

    @Test
    void aRetainedMessageLeavesTheListingWhenItsRedisCopyExpires() {
        extra = new String[]{"backend.redis.hook.message.publish.2 = {\"topic\": \"#\", \"action\": "
                + "{\"function\": \"on_message_retain\"}, \"pool\": \"pool1\", \"expired_time\": 5}"};
        startPerch();
        client("dev").publish("dev/1/state", "on", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state") == 1);
        assertThat(redis.cli().pttl("mqtt:retain:dev/1/state")).isBetween(1L, 5000L);

        // dev/1 is loaded with the time Redis has left, dev/2 stored live with the rule's TTL.
        restartPerch();
        client("dev2").publish("dev/2/state", "on", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/2/state") == 1);
        assertThat(listed()).containsExactly("dev/1/state", "dev/2/state");
        int sys = api().size() - 2;

        await().atMost(Duration.ofSeconds(15)).until(() -> api().size() == sys);
        assertThat(listed()).isEmpty();
        assertThat(api().get("dev/1/state")).isEmpty();
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/1/state", "mqtt:retain:dev/2/state") == 0);
    }

    @Test
    void topicsNoRetainRuleCoversAreWrittenWithoutATtl() {
        extra = new String[]{"backend.redis.hook.message.publish.2 = {\"topic\": \"dev/#\", \"action\": "
                + "{\"function\": \"on_message_retain\"}, \"pool\": \"pool1\", \"expired_time\": 3600}"};
        startPerch();
        client("app").publish("app/config", "v1", 1, true);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:app/config") == 1);
        assertThat(redis.cli().pttl("mqtt:retain:app/config")).isEqualTo(-1L);

        restartPerch();
        assertThat(api().get("app/config")).map(m -> new String(m.payload())).contains("v1");
        assertThat(api().remove("app/config")).isTrue();
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:app/config") == 0);
    }
}
