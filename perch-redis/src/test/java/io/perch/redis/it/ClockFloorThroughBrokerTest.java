package io.perch.redis.it;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.session.Seqs;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker whose wall clock is behind the store's latest message (the clock stepped back while
 * the broker was down, or the store was written by a node whose clock ran ahead) numbers new
 * messages after the stored ones: a seq equal to a stored one would overwrite that queued
 * message in perch:out, an id equal to a stored one its body.
 */
class ClockFloorThroughBrokerTest {
    private final TestRedis redis = TestRedis.start();
    private final List<RawClient> open = new ArrayList<>();
    private PerchWithRedis perch;

    @AfterEach
    void stop() {
        open.forEach(RawClient::close);
        if (perch != null) {
            perch.close();
        }
        redis.close();
    }

    private RawClient client() {
        RawClient c = RawClient.open(perch.fixture.tcpPort());
        open.add(c);
        return c;
    }

    @Test
    void aBrokerStartingWithItsClockBehindTheStoreNumbersNewMessagesAfterTheStoredOnes() {
        long floor = (System.currentTimeMillis() + 3_600_000L) * 1000; // the store's latest: an hour ahead
        redis.cli().set("perch:clock", Long.toString(floor));
        perch = PerchWithRedis.start(redis);

        RawClient sub = client();
        sub.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "kept/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE));
        sub.disconnect(0, null);
        await().atMost(Inbox.WAIT).until(() -> redis.cli().hexists("perch:subs:{keeper}", "kept/#"));

        RawClient pub = client();
        pub.connect(RawClient.v5("pub", true, 60).build());
        pub.publish("kept/a", 1, "after the stored ones", 1);
        pub.expect(MqttMessageType.PUBACK);

        List<String> seqs = redis.cli().hkeys("perch:out:{keeper}");
        assertThat(seqs).hasSize(1);
        assertThat(Long.parseLong(seqs.get(0)) >> Seqs.WRITER_BITS).isGreaterThan(floor);
        assertThat(Long.parseLong(redis.cli().get("perch:clock"))).isGreaterThan(floor);
    }
}
