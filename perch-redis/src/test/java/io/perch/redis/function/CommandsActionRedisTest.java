package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CommandsActionRedisTest extends RedisBackendTest {

    @Test
    void publishPlaceholdersIncludingMessageAndBinaryPayload() {
        start("backend.redis.hook.message.publish.1 = {\"topic\": \"sensor/#\", \"action\": {\"commands\": ["
                + "\"pipeline\", \"HSET last:${topic} ${message}\", \"RPUSH log:${clientid}:${msgid} ${payload} ${qos} ${topic} ${clientid} ${msgid} literal\","
                + "\"SET raw:${topic} ${payload}\"]}, \"pool\": \"pool1\"}");
        byte[] payload = {(byte) 0xC3, 0x28, 0, ' ', '$', '{', '}'};
        Message m = events.publish("dev7", "sensor/t", payload, 1, false);
        events.publish("dev7", "other/t", "ignored", 1, false);
        String id = Base62Id.encode(m.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("raw:sensor/t") == 1);
        Map<String, String> h = redis.cli().hgetall("last:sensor/t");
        assertThat(new ArrayList<>(h.keySet())).containsExactly("id", "from", "qos", "topic", "payload", "ts", "retain");
        assertThat(h).containsEntry("id", id).containsEntry("from", "dev7").containsEntry("topic", "sensor/t");
        assertThat(redis.raw().hget(utf8("last:sensor/t"), utf8("payload"))).isEqualTo(payload);
        assertThat(redis.raw().get(utf8("raw:sensor/t"))).isEqualTo(payload);
        var list = redis.raw().lrange(utf8("log:dev7:" + id), 0, -1);
        assertThat(list).hasSize(6);
        assertThat(list.get(0)).isEqualTo(payload);
        assertThat(new String(list.get(1))).isEqualTo("1");
        assertThat(new String(list.get(2))).isEqualTo("sensor/t");
        assertThat(new String(list.get(3))).isEqualTo("dev7");
        assertThat(new String(list.get(4))).isEqualTo(id);
        assertThat(new String(list.get(5))).isEqualTo("literal");
        assertThat(redis.cli().exists("raw:other/t")).isZero();
        assertThat(backend.count("commands", "success")).isEqualTo(1);
    }

    @Test
    void clientSessionAndAckPlaceholders() {
        start("backend.redis.hook.client.connected.1 = {\"action\": {\"commands\": [\"SADD online ${clientid}\"]}, \"pool\": \"pool1\"}",
                "backend.redis.hook.client.disconnected.1 = {\"action\": {\"commands\": [\"SREM online ${clientid}\"]}, \"pool\": \"pool1\"}",
                "backend.redis.hook.session.subscribed.1 = {\"action\": {\"commands\": [\"HSET subs:${clientid} ${topic} ${qos}\"]}, \"pool\": \"pool1\"}",
                "backend.redis.hook.session.unsubscribed.1 = {\"action\": {\"commands\": [\"HDEL subs:${clientid} ${topic}\"]}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.delivered.1 = {\"action\": {\"commands\": [\"SET delivered:${clientid}:${topic} ${msgid}\"]}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.acked.1 = {\"action\": {\"commands\": [\"SET acked:${clientid}:${topic} ${msgid}\"]}, \"pool\": \"pool1\"}");
        events.connected("a");
        events.connected("b");
        events.disconnected("b");
        events.subscribed("a", "x/+", 2);
        events.subscribed("a", "y", 1);
        events.unsubscribed("a", "y");
        Message m = backend.broker.newMessage("x/1", "p".getBytes(), 1, false, "pub");
        events.delivered("a", m);
        events.acked("a", m);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists("acked:a:x/1") == 1);
        assertThat(redis.cli().smembers("online")).containsExactly("a");
        assertThat(redis.cli().hgetall("subs:a")).containsExactly(Map.entry("x/+", "2"));
        assertThat(redis.cli().get("delivered:a:x/1")).isEqualTo(Base62Id.encode(m.id()));
        assertThat(redis.cli().get("acked:a:x/1")).isEqualTo(Base62Id.encode(m.id()));
    }

    @Test
    void aCommandRedisRefusesIsCountedAsAFailureAndTheNextRuleStillRuns() {
        start("backend.redis.hook.client.connected.1 = {\"action\": {\"commands\": [\"SET k v\", \"INCR k\"]}, \"pool\": \"pool1\"}",
                "backend.redis.hook.client.connected.2 = {\"action\": {\"commands\": [\"SET after ok\"]}, \"pool\": \"pool1\"}");
        events.connected("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> "ok".equals(redis.cli().get("after")));
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.count("commands", "failure") == 1);
        assertThat(backend.count("commands", "success")).isEqualTo(1);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
