package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.UserProperty;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.testkit.RecordingBroker.Delivery;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.perch.redis.function.FetchFunctionsRedisTest.FETCH_QUEUE;
import static io.perch.redis.function.LookupFunctionsRedisTest.LOOKUP;
import static io.perch.redis.function.PublishFunctionsRedisTest.PUBLISH;
import static io.perch.redis.function.PublishFunctionsRedisTest.RETAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stored copies keep the message's MQTT expiry and properties: optional fields after the seed's
 * seven, a Redis TTL no longer than the expiry, and reads that never hand out an expired copy.
 */
class StoredExpiryAndPropertiesRedisTest extends RedisBackendTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    static final String KEEP_LATEST = "backend.redis.hook.message.publish.5 = {\"topic\": \"latest/#\", \"action\": {\"function\": \"on_message_store_keep_latest\"}, \"pool\": \"pool1\", \"expired_time\": 3600}";
    static final String FETCH_LATEST = "backend.redis.hook.session.subscribed.4 = {\"topic\": \"latest/#\", \"action\": {\"function\": \"on_message_fetch_for_keep_latest\"}, \"pool\": \"pool1\"}";
    static final String COPY = "backend.redis.hook.message.publish.6 = {\"topic\": \"copy/#\", \"action\": {\"commands\": [\"HSET copy:${topic} ${message}\"]}, \"pool\": \"pool1\"}";

    private static final List<String> SEVEN = List.of("id", "from", "qos", "topic", "payload", "ts", "retain");
    private static final PublishProperties ALL = new PublishProperties(1, "text/plain", "reply/to",
            new byte[]{0, (byte) 0xFF, 7}, List.of(new UserProperty("b", "2"), new UserProperty("a", "1"),
            new UserProperty("b", "3")));

    private Message message(String topic, String payload, int qos, boolean retain, long expiresAt, PublishProperties pp) {
        Message base = backend.broker.newMessage(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain, "pub");
        return new Message(base.id(), topic, base.payload(), qos, retain, "pub", null, base.timestamp(), expiresAt, pp);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> fieldNames(String key) {
        return new ArrayList<>(redis.cli().hgetall(key).keySet());
    }

    private List<Message> deliveredTo(String cid) {
        return backend.broker.deliveries.stream().filter(d -> d.clientId().equals(cid)).map(Delivery::message).toList();
    }

    @Test
    void hashAppendsExpiryAndPropertiesAfterTheSevenAndCapsTheTtlsAtTheExpiry() {
        start(PUBLISH, RETAIN, KEEP_LATEST);
        long expiresAt = System.currentTimeMillis() + 60_000;
        Message m = events.publish(message("latest/x", "full", 1, true, expiresAt, ALL));
        Message plain = events.publish(message("latest/plain", "plain", 1, true, 0, PublishProperties.NONE));
        String key = "mqtt:msg:" + Base62Id.encode(m.id());
        String plainKey = "mqtt:msg:" + Base62Id.encode(plain.id());
        await().atMost(WAIT).until(() -> redis.cli().exists(key, plainKey, "mqtt:retain:latest/plain",
                "mqtt:latest_msg:latest/plain") == 4);

        List<String> withAll = new ArrayList<>(SEVEN);
        withAll.addAll(List.of("expires_at", "payload_format", "content_type", "response_topic", "correlation_data",
                "user_properties"));
        assertThat(fieldNames(key)).containsExactlyElementsOf(withAll);
        assertThat(fieldNames("mqtt:latest_msg:latest/x")).containsExactlyElementsOf(withAll);
        assertThat(fieldNames(plainKey)).containsExactlyElementsOf(SEVEN);
        assertThat(fieldNames("mqtt:latest_msg:latest/plain")).containsExactlyElementsOf(SEVEN);

        Map<String, String> h = redis.cli().hgetall(key);
        assertThat(h).containsEntry("expires_at", Long.toString(expiresAt)).containsEntry("payload_format", "1")
                .containsEntry("content_type", "text/plain").containsEntry("response_topic", "reply/to")
                .containsEntry("user_properties", "[[\"b\",\"2\"],[\"a\",\"1\"],[\"b\",\"3\"]]");
        assertThat(redis.raw().hget(utf8(key), utf8("correlation_data"))).containsExactly(0, 0xFF, 7);

        // TTLs: the message's 60 s, not the rule's 3600, except the topic set holding other messages.
        assertThat(redis.cli().ttl(key)).isBetween(55L, 60L);
        assertThat(redis.cli().ttl("mqtt:retain:latest/x")).isBetween(55L, 60L);
        assertThat(redis.cli().ttl("mqtt:latest_msg:latest/x")).isBetween(55L, 60L);
        assertThat(redis.cli().ttl("mqtt:msg:latest/x")).isBetween(3500L, 3600L);
        assertThat(redis.cli().ttl(plainKey)).isBetween(3500L, 3600L);
        assertThat(redis.cli().ttl("mqtt:retain:latest/plain")).isBetween(3500L, 3600L);
    }

    @Test
    void messagePlaceholderOfCommandsCarriesTheOptionalFieldsToo() {
        start(COPY);
        long expiresAt = System.currentTimeMillis() + 60_000;
        events.publish(message("copy/a", "x", 1, false, expiresAt,
                new PublishProperties(null, null, null, null, List.of(new UserProperty("k", "v")))));
        events.publish(message("copy/b", "y", 1, false, 0, PublishProperties.NONE));
        await().atMost(WAIT).until(() -> redis.cli().exists("copy:copy/a", "copy:copy/b") == 2);
        List<String> expected = new ArrayList<>(SEVEN);
        expected.addAll(List.of("expires_at", "user_properties"));
        assertThat(fieldNames("copy:copy/a")).containsExactlyElementsOf(expected);
        assertThat(redis.cli().hget("copy:copy/a", "user_properties")).isEqualTo("[[\"k\",\"v\"]]");
        assertThat(fieldNames("copy:copy/b")).containsExactlyElementsOf(SEVEN);
    }

    @Test
    void readsGiveBackExpiryAndPropertiesIntactAndInOrder() {
        start(PUBLISH, RETAIN, LOOKUP, FETCH_QUEUE, KEEP_LATEST, FETCH_LATEST);
        long expiresAt = System.currentTimeMillis() + 60_000;
        events.publish(message("queue/p", "queued", 1, false, expiresAt, ALL));
        events.publish(message("latest/p", "latest", 1, true, expiresAt, ALL));
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:msg:queue/p", "mqtt:retain:latest/p",
                "mqtt:latest_msg:latest/p") == 3);
        events.subscribed("q", "queue/p", 1);
        events.subscribed("r", "latest/p", 1); // the retain lookup and the keep-latest fetch both answer
        await().atMost(WAIT).until(() -> deliveredTo("q").size() == 1 && deliveredTo("r").size() == 2);
        for (Message got : List.of(deliveredTo("q").get(0), deliveredTo("r").get(0), deliveredTo("r").get(1))) {
            assertThat(got.expiresAt()).isEqualTo(expiresAt);
            PublishProperties pp = got.properties();
            assertThat(pp.payloadFormat()).isEqualTo(1);
            assertThat(pp.contentType()).isEqualTo("text/plain");
            assertThat(pp.responseTopic()).isEqualTo("reply/to");
            assertThat(pp.correlationData()).containsExactly(0, 0xFF, 7);
            assertThat(pp.userProperties()).containsExactlyElementsOf(ALL.userProperties());
        }
    }

    @Test
    void expiredCopiesAreNeverDeliveredAndTheirQueueMembersArePruned() {
        start(LOOKUP, FETCH_QUEUE, FETCH_LATEST);
        long past = System.currentTimeMillis() - 1000;
        long future = System.currentTimeMillis() + 60_000;
        // Written by hand, without a Redis TTL, so only the read can keep the expired ones back.
        // Each function finds a live and an expired copy in one read: when the live one arrives,
        // the expired one has been decided on too.
        Message deadQ = stored("queue/e", "dead", past);
        Message liveQ = stored("queue/e", "live-queue", future);
        redis.cli().zadd("mqtt:msg:queue/e", deadQ.timestamp(), Base62Id.encode(deadQ.id()));
        redis.cli().zadd("mqtt:msg:queue/e", liveQ.timestamp() + 1, Base62Id.encode(liveQ.id()));
        for (Message r : List.of(stored("ret/e", "dead", past), stored("ret/live", "live-retained", future))) {
            redis.cli().zadd("mqtt:retain:" + r.topic(), r.timestamp(), Base62Id.encode(r.id()));
            redis.cli().zadd("mqtt:topics:retain", 0, r.topic());
        }
        redis.cli().hset("mqtt:latest_msg:latest/e", seven(stored("latest/e", "dead", past), past));
        redis.cli().hset("mqtt:latest_msg:latest/live", seven(stored("latest/live", "live-latest", future), future));
        redis.cli().zadd("mqtt:topics:latest", 0, "latest/e");
        redis.cli().zadd("mqtt:topics:latest", 0, "latest/live");

        events.subscribed("s", "queue/e", 1);
        events.subscribed("s", "ret/#", 1);
        events.subscribed("s", "latest/#", 1);
        await().atMost(WAIT).until(() -> deliveredTo("s").size() >= 3 && redis.cli().zcard("mqtt:msg:queue/e") == 1);
        assertThat(deliveredTo("s")).extracting(m -> new String(m.payload()))
                .containsExactlyInAnyOrder("live-queue", "live-retained", "live-latest");
        assertThat(deliveredTo("s")).allMatch(m -> m.expiresAt() == future);
        assertThat(redis.cli().zrange("mqtt:msg:queue/e", 0, -1)).containsExactly(Base62Id.encode(liveQ.id()));
    }

    @Test
    void malformedOptionalFieldsAreIgnoredAndHashesWithoutThemReadAsBefore() {
        start(LOOKUP);
        Message m = backend.broker.newMessage("ret/m", utf8("odd"), 1, true, "pub");
        Map<String, String> h = new LinkedHashMap<>();
        h.put("id", Base62Id.encode(m.id()));
        h.put("from", "pub");
        h.put("qos", "1");
        h.put("topic", "ret/m");
        h.put("payload", "odd");
        h.put("ts", Long.toString(m.timestamp()));
        h.put("retain", "true");
        h.put("expires_at", "soon");
        h.put("payload_format", "2");
        h.put("content_type", "text/plain");
        h.put("user_properties", "[[\"a\",\"1\"],[\"b\"]]");
        redis.cli().hset("mqtt:msg:" + Base62Id.encode(m.id()), h);
        redis.cli().zadd("mqtt:retain:ret/m", m.timestamp(), Base62Id.encode(m.id()));
        Message old = stored("ret/old", "old", 0);
        redis.cli().zadd("mqtt:retain:ret/old", old.timestamp(), Base62Id.encode(old.id()));

        events.subscribed("s", "ret/m", 1);
        events.subscribed("s", "ret/old", 1);
        await().atMost(WAIT).until(() -> deliveredTo("s").size() == 2);
        Message got = deliveredTo("s").stream().filter(x -> x.topic().equals("ret/m")).findFirst().orElseThrow();
        assertThat(new String(got.payload())).isEqualTo("odd");
        assertThat(got.expiresAt()).isZero();
        assertThat(got.properties().payloadFormat()).isNull();
        assertThat(got.properties().userProperties()).isEmpty();
        assertThat(got.properties().contentType()).isEqualTo("text/plain");
        Message plain = deliveredTo("s").stream().filter(x -> x.topic().equals("ret/old")).findFirst().orElseThrow();
        assertThat(plain.expiresAt()).isZero();
        assertThat(plain.properties()).isSameAs(PublishProperties.NONE);
    }

    @Test
    void ttlIsTheRemainingExpiryRoundedUpWhenShorterThanTheRules() {
        long now = 1_700_000_000_000L;
        assertThat(PublishFunctions.ttl(0, 3600, now)).isEqualTo(3600);
        assertThat(PublishFunctions.ttl(now + 1500, 3600, now)).isEqualTo(2);
        assertThat(PublishFunctions.ttl(now + 2000, 3600, now)).isEqualTo(2);
        assertThat(PublishFunctions.ttl(now + 10, 3600, now)).isEqualTo(1);
        assertThat(PublishFunctions.ttl(now - 5000, 3600, now)).isEqualTo(1);
        assertThat(PublishFunctions.ttl(now + 7_200_000, 3600, now)).isEqualTo(3600);
    }

    /** A queue/retain message hash written straight into Redis (no TTL) with this expiry (0 = none). */
    private Message stored(String topic, String payload, long expiresAt) {
        Message m = backend.broker.newMessage(topic, utf8(payload), 1, false, "pub");
        redis.cli().hset("mqtt:msg:" + Base62Id.encode(m.id()), seven(m, expiresAt));
        return m;
    }

    private static Map<String, String> seven(Message m, long expiresAt) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("id", Base62Id.encode(m.id()));
        h.put("from", "pub");
        h.put("qos", "1");
        h.put("topic", m.topic());
        h.put("payload", new String(m.payload(), StandardCharsets.UTF_8));
        h.put("ts", Long.toString(m.timestamp()));
        h.put("retain", "false");
        if (expiresAt != 0) {
            h.put("expires_at", Long.toString(expiresAt));
        }
        return h;
    }
}
