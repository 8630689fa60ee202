package io.perch.redis.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.perch.broker.testkit.RawClient;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The last member of a share group leaves holding a message it never acknowledged, with the
 * shipped Redis rules on: Redis records the disconnect (it used to keep {@code state 1} and the
 * node entry, because the close path threw before client.disconnected ran).
 */
class SharedGroupLeaveRedisTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final TestRedis redis = TestRedis.start();
    private final PerchWithRedis perch = PerchWithRedis.start(redis);
    private Mqtt5BlockingClient pub;

    @AfterEach
    void stop() {
        try {
            if (pub != null && pub.getState().isConnected()) {
                pub.disconnect();
            }
            perch.close();
        } finally {
            redis.close();
        }
    }

    @Test
    void lastMemberLeavingWithAnUnackedMessageIsRecordedOfflineInRedis() {
        RawClient member = RawClient.open(perch.fixture.tcpPort());
        try {
            member.connect(RawClient.v3("last-member", true, 60).build());
            member.subscribe(1, "$share/g/orders", 1);
            await().atMost(WAIT).until(() -> "1".equals(redis.cli().hget("mqtt:client:last-member", "state")));

            pub = Mqtt5Client.builder().identifier("orders-pub").serverHost("127.0.0.1")
                    .serverPort(perch.fixture.tcpPort()).buildBlocking();
            pub.connect();
            pub.publishWith().topic("orders").payload("o1".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(RawClient.text(member.expectPublish())).isEqualTo("o1"); // held, never acknowledged
        } finally {
            member.close();
        }

        await().atMost(WAIT).until(() -> "0".equals(redis.cli().hget("mqtt:client:last-member", "state")));
        assertThat(redis.cli().hget("mqtt:client:last-member", "offline_at")).isNotEqualTo("undefined");
        assertThat(redis.cli().hexists("mqtt:node:" + PerchWithRedis.NODE, "last-member")).isFalse();
    }
}
