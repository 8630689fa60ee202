package io.perch.redis.it;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
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
 * With the shipped configuration (sessions in Redis, persistence.ack = redis), a publisher's
 * PUBACK waits until Redis has the message: while Redis is down a QoS 1 publish is held, not
 * acknowledged, and once Redis is back the pipeline replays the writes and the PUBACK goes out
 * with the message stored. Shown for a message kept for a stored session and for one kept only
 * by the EMQ X rule (queue/..., nobody subscribed). A PINGREQ shows what the broker had sent by
 * then: it answers after everything it had already written.
 */
class AckAfterRedisTest {
    private final TestRedis redis = TestRedis.start();
    private final PerchWithRedis perch = PerchWithRedis.start(redis);
    private final List<RawClient> open = new ArrayList<>();

    @AfterEach
    void stop() {
        open.forEach(RawClient::close);
        perch.close();
        redis.close();
    }

    private RawClient client() {
        RawClient c = RawClient.open(perch.fixture.tcpPort());
        open.add(c);
        return c;
    }

    @Test
    void aPublishIsAcknowledgedOnlyOnceRedisHasIt() {
        RawClient sub = client();
        sub.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "kept/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE));
        sub.disconnect(0, null);
        await().atMost(Inbox.WAIT).until(() -> redis.cli().hexists("perch:subs:{keeper}", "kept/#"));

        RawClient pub = client();
        pub.connect(RawClient.v5("pub", true, 60).build());
        redis.kill();
        pub.publish("kept/a", 1, "for-keeper", 1);
        pub.publish("queue/only-redis", 1, "for-the-rule", 2);
        assertThat(pub.ping()).as("nothing acknowledged while Redis is down").isEmpty();

        redis.restart();
        MqttMessage first = pub.expect(MqttMessageType.PUBACK);
        MqttMessage second = pub.expect(MqttMessageType.PUBACK);
        assertThat(List.of(RawClient.packetId(first), RawClient.packetId(second))).containsExactly(1, 2);
        // Acknowledged means stored: the stored session's queue and the rule's topic set have it.
        assertThat(redis.cli().hlen("perch:out:{keeper}")).isEqualTo(1);
        assertThat(redis.cli().zcard("mqtt:msg:queue/only-redis")).isEqualTo(1);
    }

    @Test
    void persistenceAckNoneAcknowledgesAtOnceWithoutTheGuarantee() {
        perch.close();
        PerchWithRedis fast = PerchWithRedis.start(redis, "persistence.ack = none");
        try {
            RawClient pub = RawClient.open(fast.fixture.tcpPort());
            open.add(pub);
            pub.connect(RawClient.v5("pub", true, 60).build());
            redis.kill();
            pub.publish("queue/x", 1, "fast", 5);
            assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBACK))).isEqualTo(5);
            redis.restart();
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:queue/x") == 1);
        } finally {
            fast.close();
        }
    }
}
