package io.perch.redis.function;

import io.lettuce.core.ScoredValue;
import io.perch.broker.message.Message;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.codec.Emqx4Id;
import io.perch.redis.codec.Ids;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PublishFunctionsRedisTest {
    static final String PUBLISH = "backend.redis.hook.message.publish.1 = {\"topic\": \"#\", \"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\", \"expired_time\": 3600}";
    static final String RETAIN = "backend.redis.hook.message.publish.2 = {\"topic\": \"#\", \"action\": {\"function\": \"on_message_retain\"}, \"pool\": \"pool1\", \"expired_time\": 3600}";
    static final String RETAIN_DELETE = "backend.redis.hook.message.publish.3 = {\"topic\": \"#\", \"action\": {\"function\": \"on_retain_delete\"}, \"pool\": \"pool1\"}";
    /** A marker rule after on_retain_delete, to see that a delete stops the later rules. */
    static final String AFTER = "backend.redis.hook.message.publish.4 = {\"topic\": \"#\", \"action\": {\"commands\": [\"INCR after:${topic}\"]}, \"pool\": \"pool1\"}";

    private TestRedis redis = TestRedis.start();
    private Backend backend;
    private Events events;

    private void start(String... lines) {
        backend = Backend.start(redis, lines);
        events = new Events(backend.broker);
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        redis.close();
    }

    @Test
    void qos1PublishStoresTheHashWithTtlAndTheIdInTheTopicSet() {
        start(PUBLISH);
        byte[] payload = {0, (byte) 0xFF, 'x', '\r', '\n', ' ', (byte) 0x80};
        Message m = events.publish("sub_client", "upstream_topic", payload, 1, false);
        String id = Base62Id.encode(m.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:msg:" + id) == 1
                && redis.cli().zcard("mqtt:msg:upstream_topic") == 1);
        Map<String, String> h = redis.cli().hgetall("mqtt:msg:" + id);
        assertThat(new ArrayList<>(h.keySet())).containsExactly("id", "from", "qos", "topic", "payload", "ts", "retain");
        assertThat(h).containsEntry("id", id).containsEntry("from", "sub_client").containsEntry("qos", "1")
                .containsEntry("topic", "upstream_topic").containsEntry("retain", "false")
                .containsEntry("ts", Long.toString(m.timestamp() / 1000));
        assertThat(redis.raw().hget(utf8("mqtt:msg:" + id), utf8("payload"))).isEqualTo(payload);
        assertThat(redis.cli().ttl("mqtt:msg:" + id)).isBetween(3500L, 3600L);
        List<ScoredValue<String>> set = redis.cli().zrangeWithScores("mqtt:msg:upstream_topic", 0, -1);
        assertThat(set).extracting(ScoredValue::getValue).containsExactly(id);
        assertThat((long) set.get(0).getScore()).as("the publish time carried by the id").isEqualTo(Ids.millis(m.id()));
        assertThat(redis.cli().zrange("mqtt:topics:msg", 0, -1)).containsExactly("upstream_topic");
    }

    @Test
    void zrangeReturnsIdsOldestFirstLikeTheSeed() {
        start(PUBLISH);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(Base62Id.encode(events.publish("sub_client", "upstream_topic", "{ \"cmd\": \"reboot\" }", 2, false).id()));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().zcard("mqtt:msg:upstream_topic") == 7);
        assertThat(redis.cli().zrange("mqtt:msg:upstream_topic", 0, -1)).containsExactlyElementsOf(ids);
    }

    @Test
    void qos0IsNotStoredButARetainedQos0GetsOnlyItsHash() {
        start(PUBLISH, AFTER);
        events.publish("c", "plain", "x", 0, false);
        Message r = events.publish("c", "kept", "y", 0, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> "1".equals(redis.cli().get("after:kept")));
        assertThat(redis.cli().exists("mqtt:msg:plain", "mqtt:msg:kept")).isZero();
        Map<String, String> h = redis.cli().hgetall("mqtt:msg:" + Base62Id.encode(r.id()));
        assertThat(h).containsEntry("retain", "true").containsEntry("qos", "0");
        assertThat(redis.cli().ttl("mqtt:msg:" + Base62Id.encode(r.id()))).isPositive();
    }

    @Test
    void retainPointsAtTheNewestMessageAndAnEmptyPayloadDeletesIt() {
        start(PUBLISH, RETAIN, RETAIN_DELETE, AFTER);
        Message first = events.publish("c", "dev/1/state", "on", 1, true);
        Message second = events.publish("c", "dev/1/state", "off", 0, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> "2".equals(redis.cli().get("after:dev/1/state")));
        assertThat(redis.cli().zrange("mqtt:retain:dev/1/state", 0, -1)).containsExactly(Base62Id.encode(second.id()));
        assertThat(redis.cli().ttl("mqtt:retain:dev/1/state")).isBetween(3500L, 3600L);
        assertThat(redis.cli().hget("mqtt:msg:" + Base62Id.encode(second.id()), "payload")).isEqualTo("off");
        assertThat(redis.cli().zrange("mqtt:topics:retain", 0, -1)).containsExactly("dev/1/state");

        events.publish("c", "dev/1/state", "", 0, true);
        String secondKey = "mqtt:msg:" + Base62Id.encode(second.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:retain:dev/1/state", secondKey) == 0);
        assertThat(redis.cli().zrange("mqtt:topics:retain", 0, -1)).isEmpty();
        // The QoS 1 message stays stored for queue consumers; only the retained one was deleted.
        assertThat(redis.cli().exists("mqtt:msg:" + Base62Id.encode(first.id()))).isEqualTo(1);
        // on_retain_delete stopped the rules after it: the marker did not count the delete.
        assertThat(redis.cli().get("after:dev/1/state")).isEqualTo("2");
    }

    @Test
    void keepLatestOverwritesOneHashPerTopic() {
        start("backend.redis.hook.message.publish.1 = {\"topic\": \"latest/#\", \"action\": {\"function\": \"on_message_store_keep_latest\"}, \"pool\": \"pool1\", \"expired_time\": 60}");
        events.publish("c", "latest/a", "1", 0, false);
        Message last = events.publish("c", "latest/a", "2", 1, false);
        events.publish("c", "other", "3", 1, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> "2".equals(redis.cli().hget("mqtt:latest_msg:latest/a", "payload")));
        assertThat(redis.cli().hgetall("mqtt:latest_msg:latest/a")).containsEntry("id", Base62Id.encode(last.id()))
                .containsEntry("qos", "1").hasSize(7);
        assertThat(redis.cli().ttl("mqtt:latest_msg:latest/a")).isBetween(50L, 60L);
        assertThat(redis.cli().exists("mqtt:latest_msg:other")).isZero();
    }

    @Test
    void emqx4CompatWritesLongIdsAndMilliseconds() {
        start("backend.redis.compat = emqx4", PUBLISH);
        Message m = events.publish("c", "t", "x", 1, false);
        String id = Emqx4Id.encode(m.id());
        assertThat(id).hasSize(47);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:msg:" + id) == 1);
        assertThat(redis.cli().hget("mqtt:msg:" + id, "ts")).isEqualTo(Long.toString(m.timestamp()));
        assertThat(redis.cli().zrange("mqtt:msg:t", 0, -1)).containsExactly(id);
    }

    @Test
    void membersOlderThanTheTtlArePrunedByScoreOnPublish() {
        start(PUBLISH);
        long old = System.currentTimeMillis() - 4_000_000L;
        redis.cli().zadd("mqtt:msg:t", old, "expiredOne");
        redis.cli().zadd("mqtt:msg:t", 1, "legacyScore");
        Message m = events.publish("c", "t", "x", 1, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().zscore("mqtt:msg:t", Base62Id.encode(m.id())) != null);
        // The old writer's constant score says nothing about age: that member stays until a read finds its hash gone.
        assertThat(redis.cli().zrange("mqtt:msg:t", 0, -1)).containsExactly("legacyScore", Base62Id.encode(m.id()));
        assertThat(redis.cli().ttl("mqtt:msg:t")).isBetween(3500L, 3600L);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
