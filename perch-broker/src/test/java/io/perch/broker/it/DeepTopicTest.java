package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Topics and filters of 10,000 levels: refused by the default {@code mqtt.max_topic_levels},
 * and delivered without overflowing the stack when the limit is off.
 */
class DeepTopicTest extends BrokerTest {
    private static final int DEPTH = 10_000;

    private static String levels(String level, int n) {
        return String.join("/", java.util.Collections.nCopies(n, level));
    }

    private static MqttSubscriptionOption qos1() {
        return MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE);
    }

    @Test
    void defaultLimitRefusesADeepFilterAndClosesOnADeepTopic() {
        start(b -> { }); // the shipped default, not a test setting
        assertThat(broker.broker().config().maxTopicLevels).isEqualTo(128);

        RawClient v5 = clients.raw();
        v5.connect(RawClient.v5("deep5", true, 60).build());
        MqttSubAckMessage ack = v5.subscribe(1, MqttProperties.NO_PROPERTIES,
                levels("a", DEPTH), qos1(), levels("a", 128), qos1(), levels("a", 129), qos1());
        assertThat(ack.payload().reasonCodes()).containsExactly(0x8F, 1, 0x8F);

        RawClient v3 = clients.raw();
        v3.connect(RawClient.v3("deep3", true, 60).build());
        assertThat(v3.subscribe(1, levels("+", DEPTH), 1).payload().reasonCodes()).containsExactly(0x80);

        v5.publish(levels("a", DEPTH), 1, "deep", 7);
        assertThat(RawClient.reasonCode(v5.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x90);
        assertThat(v5.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void withoutALimitADeepTopicMatchesDeepFiltersWithoutOverflowingTheStack() {
        start(b -> b.maxTopicLevels(0));
        RawClient sub = clients.raw();
        sub.connect(RawClient.v5("deep-sub", true, 60).build());
        MqttSubAckMessage ack = sub.subscribe(1, MqttProperties.NO_PROPERTIES,
                levels("a", DEPTH), qos1(), levels("+", DEPTH), qos1(), levels("a", DEPTH - 1) + "/#", qos1());
        assertThat(ack.payload().reasonCodes()).containsExactly(1, 1, 1);

        RawClient pub = clients.raw();
        pub.connect(RawClient.v5("deep-pub", true, 60).build());
        for (int i = 1; i <= 3; i++) { // a client that resends is served each time
            pub.publish(levels("a", DEPTH), 1, "deep" + i, i);
            assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBACK))).isEqualTo(i);
            // Overlapping subscriptions of one session: one delivery (MQTT-3.3.4-2).
            assertThat(RawClient.text(sub.expectPublish())).isEqualTo("deep" + i);
        }
        assertThat(pub.isOpen()).isTrue();
        // The filter listing walks the tree as deep as the filters go.
        assertThat(broker.broker().service().routes()).hasSize(3);
    }
}
