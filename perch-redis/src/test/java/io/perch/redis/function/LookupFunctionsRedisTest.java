package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.codec.Emqx4Id;
import io.perch.redis.testkit.RecordingBroker.Delivery;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.perch.redis.function.PublishFunctionsRedisTest.RETAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LookupFunctionsRedisTest extends RedisBackendTest {
    static final String LOOKUP = "backend.redis.hook.session.subscribed.3 = {\"action\": {\"function\": \"on_retain_lookup\"}, \"pool\": \"pool1\"}";

    @Test
    void retainLookupServesExactAndWildcardFiltersWithTheRetainFlag() {
        start(RETAIN, LOOKUP);
        Message a = events.publish("p", "home/kitchen/temp", "21", 1, true);
        events.publish("p", "home/hall/temp", "19", 0, true);
        events.publish("p", "office/temp", "17", 1, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().zcard("mqtt:topics:retain") == 3);
        events.subscribed("s1", "home/kitchen/temp", 1);
        events.subscribed("s2", "home/+/temp", 1);
        events.subscribed("s3", "#", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.broker.deliveries.size() == 6);
        assertThat(backend.broker.deliveries).allMatch(Delivery::asRetained);
        assertThat(payloads("s1")).containsExactly("21");
        assertThat(payloads("s2")).containsExactlyInAnyOrder("21", "19");
        assertThat(payloads("s3")).containsExactlyInAnyOrder("21", "19", "17");
        assertThat(backend.broker.deliveries.stream().filter(d -> d.clientId().equals("s1")).findFirst().orElseThrow()
                .message().id()).isEqualTo(a.id());
    }

    @Test
    void retainLookupReadsOldWritersStringPointersAndHashes() {
        start(LOOKUP);
        Message m = backend.broker.newMessage("legacy/ptr", "by-pointer".getBytes(), 1, true, "old");
        String id = Emqx4Id.encode(m.id());
        redis.cli().hset("mqtt:msg:" + id, Map.of("id", id, "from", "old", "qos", "1", "topic", "legacy/ptr",
                "payload", "by-pointer", "ts", Long.toString(m.timestamp()), "retain", "true"));
        redis.cli().set("mqtt:retain:legacy/ptr", id);
        redis.cli().hset("mqtt:retain:legacy/hash", Map.of("id", Base62Id.encode(m.id()), "from", "old", "qos", "0",
                "topic", "legacy/hash", "payload", "as-hash", "ts", "1542338754", "retain", "true"));
        events.subscribed("s", "legacy/ptr", 1);
        events.subscribed("s", "legacy/hash", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.broker.deliveries.size() == 2);
        assertThat(payloads("s")).containsExactlyInAnyOrder("by-pointer", "as-hash");
        assertThat(backend.broker.deliveries).filteredOn(d -> d.message().topic().equals("legacy/ptr"))
                .singleElement().satisfies(d -> assertThat(d.message().id()).isEqualTo(m.id()));
    }

    @Test
    void keepLatestFetchAndAck() {
        start("backend.redis.hook.message.publish.1 = {\"topic\": \"latest/#\", \"action\": {\"function\": \"on_message_store_keep_latest\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.session.subscribed.1 = {\"topic\": \"latest/#\", \"action\": {\"function\": \"on_message_fetch_for_keep_latest\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.acked.1 = {\"topic\": \"latest/#\", \"action\": {\"function\": \"on_message_acked_for_keep_latest\"}, \"pool\": \"pool1\"}");
        events.publish("p", "latest/a", "old", 1, false);
        events.publish("p", "latest/a", "new", 1, false);
        events.publish("p", "latest/b", "b", 1, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:latest_msg:latest/a", "mqtt:latest_msg:latest/b") == 2
                && "new".equals(redis.cli().hget("mqtt:latest_msg:latest/a", "payload")));
        events.subscribed("s", "latest/#", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.broker.deliveries.size() == 2);
        assertThat(payloads("s")).containsExactly("new", "b");
        events.acked("s", backend.broker.deliveries.get(0).message());
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:latest_msg:latest/a") == 0);
        assertThat(redis.cli().exists("mqtt:latest_msg:latest/b")).isEqualTo(1);
    }

    @Test
    void queueAckRemovesAMessageStoredUnderTheOtherIdForm() {
        start("backend.redis.hook.message.acked.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": \"on_message_acked_for_queue\"}, \"pool\": \"pool1\"}");
        Message m = backend.broker.newMessage("queue/x", "p".getBytes(), 1, false, "old");
        String id = Emqx4Id.encode(m.id());
        redis.cli().hset("mqtt:msg:" + id, Map.of("id", id, "topic", "queue/x"));
        redis.cli().zadd("mqtt:msg:queue/x", m.timestamp(), id);
        events.acked("s", m);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("mqtt:msg:" + id, "mqtt:msg:queue/x") == 0);
    }

    private java.util.List<String> payloads(String cid) {
        return backend.broker.deliveries.stream().filter(d -> d.clientId().equals(cid))
                .map(d -> new String(d.message().payload())).toList();
    }
}
