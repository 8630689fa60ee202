package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MQTT 5 only: pass-through properties, message expiry, topic aliases both ways, subscription
 * identifiers, no local, maximum packet size both ways, reason strings, AUTH without a handler.
 */
class Mqtt5FeaturesTest extends BrokerTest {

    private RawClient rawV5(String id, MqttProperties props) {
        RawClient c = clients.raw();
        MqttConnAckMessage ack = c.connect(RawClient.v5(id, true, 60).properties(props).build());
        assertThat(ack.variableHeader().connectReturnCode().byteValue()).isZero();
        return c;
    }

    @Test
    void publishPropertiesArePassedThroughToV5SubscribersOfBothLibraries() throws Exception {
        start();
        Inbox hive = new Inbox();
        clients.hiveConnected("hive", hive).subscribeWith().topicFilter("props").qos(MqttQos.AT_LEAST_ONCE).send();
        Inbox paho = new Inbox();
        clients.v5("paho", paho).subscribe("props", 1);
        Inbox v3 = new Inbox();
        clients.v3("v3", v3).subscribe("props", 1);

        clients.hiveConnected("pub", null).publishWith().topic("props").qos(MqttQos.AT_LEAST_ONCE)
                .payload("{}".getBytes()).contentType("application/json").responseTopic("replies/pub")
                .correlationData(new byte[]{1, 2, 3}).payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                .userProperties().add("a", "1").add("b", "2").add("a", "3").applyUserProperties().send();

        Mqtt5Publish h = hive.await(1).get(0).hive();
        assertThat(h.getContentType().orElseThrow().toString()).isEqualTo("application/json");
        assertThat(h.getResponseTopic().orElseThrow().toString()).isEqualTo("replies/pub");
        java.nio.ByteBuffer corr = h.getCorrelationData().orElseThrow();
        byte[] corrBytes = new byte[corr.remaining()];
        corr.get(corrBytes);
        assertThat(corrBytes).containsExactly(1, 2, 3);
        assertThat(h.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
        assertThat(h.getUserProperties().asList()).extracting(p -> p.getName() + "=" + p.getValue())
                .containsExactly("a=1", "b=2", "a=3"); // order and duplicates kept (MQTT-3.3.2-18)

        var p = paho.await(1).get(0).props();
        assertThat(p.getContentType()).isEqualTo("application/json");
        assertThat(p.getResponseTopic()).isEqualTo("replies/pub");
        assertThat(p.getCorrelationData()).containsExactly(1, 2, 3);
        assertThat(p.getPayloadFormat()).isTrue();
        assertThat(p.getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue()).containsExactly("a=1", "b=2", "a=3");

        assertThat(v3.await(1).get(0).text()).isEqualTo("{}"); // a v3 subscriber gets the message without them
    }

    @Test
    void queuedMessageExpiresWhileTheSessionIsOfflineAndForwardedExpiryIsDecremented() {
        start();
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hive("offline", inbox);
        sub.connectWith().sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter("exp").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        long t0 = System.nanoTime();
        pub.publishWith().topic("exp").qos(MqttQos.AT_LEAST_ONCE).payload("short".getBytes()).messageExpiryInterval(1).send();
        pub.publishWith().topic("exp").qos(MqttQos.AT_LEAST_ONCE).payload("long".getBytes()).messageExpiryInterval(100).send();
        // Expiry is about time passing: wait until the short one's second is over.
        await().atMost(Duration.ofSeconds(3)).until(() -> System.nanoTime() - t0 > 1_200_000_000L);

        sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        Inbox.Msg got = inbox.await(1).get(0);
        Clients.publish(pub, "exp", "marker", 1);
        inbox.awaitText("marker");
        assertThat(inbox.texts()).containsExactly("long", "marker");
        assertThat(got.hive().getMessageExpiryInterval().orElseThrow()).isBetween(95L, 99L);
        assertThat(inbox.messages().get(1).hive().getMessageExpiryInterval()).isEmpty();
        assertThat(broker.broker().service().stats().messagesDroppedExpired.sum()).isEqualTo(1);
    }

    @Test
    void inboundTopicAliasesAreResolvedAndBadOnesDisconnect() {
        start(b -> b.maxTopicAlias(2));
        Inbox inbox = new Inbox();
        clients.hiveConnected("sub", inbox).subscribeWith().topicFilter("alias/#").qos(MqttQos.AT_LEAST_ONCE).send();
        RawClient pub = rawV5("aliaser", MqttProperties.NO_PROPERTIES);
        pub.publish("alias/long/topic", 1, "first".getBytes(), 1, false, false, RawClient.props(MqttPropertyType.TOPIC_ALIAS, 1));
        pub.expect(MqttMessageType.PUBACK);
        pub.publish("", 1, "second".getBytes(), 2, false, false, RawClient.props(MqttPropertyType.TOPIC_ALIAS, 1));
        pub.expect(MqttMessageType.PUBACK);
        assertThat(inbox.await(2)).extracting(Inbox.Msg::toString)
                .containsExactly("alias/long/topic:first:q1", "alias/long/topic:second:q1");

        pub.publish("", 0, "unknown".getBytes(), 0, false, false, RawClient.props(MqttPropertyType.TOPIC_ALIAS, 2));
        assertThat(RawClient.reasonCode(pub.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x82); // protocol error

        RawClient over = rawV5("over", MqttProperties.NO_PROPERTIES);
        over.publish("alias/x", 0, "x".getBytes(), 0, false, false, RawClient.props(MqttPropertyType.TOPIC_ALIAS, 3));
        assertThat(RawClient.reasonCode(over.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x94); // topic alias invalid
    }

    @Test
    void outboundTopicAliasesStayWithinTheClientsMaximum() {
        start();
        RawClient sub = rawV5("aliased", RawClient.props(MqttPropertyType.TOPIC_ALIAS_MAXIMUM, 1));
        sub.subscribe(1, "o/#", 0);
        Inbox hive = new Inbox();
        Mqtt5BlockingClient hiveSub = clients.hive("hivesub", hive);
        hiveSub.connectWith().restrictions().topicAliasMaximum(5).applyRestrictions().send();
        hiveSub.subscribeWith().topicFilter("o/#").qos(MqttQos.AT_MOST_ONCE).send();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (String t : new String[]{"o/a", "o/a", "o/b", "o/a", "o/b"}) {
            Clients.publish(pub, t, t, 1);
        }
        String[] wireTopics = new String[5];
        Object[] aliases = new Object[5];
        for (int i = 0; i < 5; i++) {
            MqttPublishMessage m = sub.expectPublish();
            wireTopics[i] = m.variableHeader().topicName();
            aliases[i] = RawClient.prop(m.variableHeader().properties(), MqttPropertyType.TOPIC_ALIAS);
        }
        assertThat(wireTopics).containsExactly("o/a", "", "o/b", "", "o/b");
        assertThat(aliases).containsExactly(1, 1, null, 1, null);
        assertThat(hive.await(5)).extracting(Inbox.Msg::topic).containsExactly("o/a", "o/a", "o/b", "o/a", "o/b");
    }

    @Test
    void subscriptionIdentifiersOfEveryMatchingSubscriptionAreDelivered() {
        start();
        RawClient sub = rawV5("ids", MqttProperties.NO_PROPERTIES);
        sub.subscribe(1, RawClient.props(MqttPropertyType.SUBSCRIPTION_IDENTIFIER, 7), "si/+",
                MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_MOST_ONCE));
        sub.subscribe(2, RawClient.props(MqttPropertyType.SUBSCRIPTION_IDENTIFIER, 900), "si/#",
                MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_MOST_ONCE));
        sub.subscribe(3, MqttProperties.NO_PROPERTIES, "si/x/y", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_MOST_ONCE));
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "si/x", "both", 0);
        Clients.publish(pub, "si/x/y", "one", 0);

        MqttPublishMessage both = sub.expectPublish();
        assertThat(RawClient.intProps(both.variableHeader().properties(), MqttPropertyType.SUBSCRIPTION_IDENTIFIER))
                .containsExactlyInAnyOrder(7, 900);
        MqttPublishMessage one = sub.expectPublish();
        assertThat(RawClient.text(one)).isEqualTo("one");
        assertThat(RawClient.intProps(one.variableHeader().properties(), MqttPropertyType.SUBSCRIPTION_IDENTIFIER))
                .containsExactly(900);
    }

    @Test
    void noLocalSubscriptionDoesNotGetTheClientsOwnMessages() {
        start();
        Inbox own = new Inbox();
        Mqtt5BlockingClient self = clients.hiveConnected("self", own);
        self.subscribeWith().topicFilter("chat").noLocal(true).qos(MqttQos.AT_LEAST_ONCE).send();
        Inbox everyone = new Inbox();
        clients.hiveConnected("everyone", everyone).subscribeWith().topicFilter("chat").qos(MqttQos.AT_LEAST_ONCE).send();

        Clients.publish(self, "chat", "from-self", 1);
        Clients.publish(clients.hiveConnected("other", null), "chat", "from-other", 1);
        own.awaitText("from-other");
        assertThat(own.texts()).containsExactly("from-other");
        assertThat(everyone.await(2)).extracting(Inbox.Msg::text).containsExactly("from-self", "from-other");
    }

    @Test
    void messageLargerThanTheClientsMaximumPacketSizeIsNotSentToIt() {
        start();
        Inbox small = new Inbox();
        Mqtt5BlockingClient c = clients.hive("small", small);
        c.connectWith().restrictions().maximumPacketSize(200).applyRestrictions().send();
        c.subscribeWith().topicFilter("big").qos(MqttQos.AT_LEAST_ONCE).send();
        Inbox large = new Inbox();
        clients.hiveConnected("large", large).subscribeWith().topicFilter("big").qos(MqttQos.AT_LEAST_ONCE).send();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "big", "x".repeat(500), 1);
        Clients.publish(pub, "big", "fits", 1);
        small.awaitText("fits");
        assertThat(small.texts()).containsExactly("fits");
        assertThat(large.await(2)).hasSize(2);
        assertThat(c.getState().isConnected()).isTrue();
        // Counted by its reason (perch_messages_dropped_too_large_total), not silently lost.
        assertThat(broker.broker().service().stats().messagesDroppedTooLarge.sum()).isEqualTo(1);
    }

    @Test
    void packetLargerThanTheBrokersMaximumPacketSizeDisconnects() {
        start(b -> b.maxPacketSize(1024));
        RawClient v5 = clients.raw();
        MqttConnAckMessage ack = v5.connect(RawClient.v5("big5", true, 60).build());
        assertThat(RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.MAXIMUM_PACKET_SIZE)).isEqualTo(1024);
        v5.publish("t", 0, new byte[100], 0, false, false, MqttProperties.NO_PROPERTIES); // fits
        v5.publish("t", 0, new byte[2000], 0, false, false, MqttProperties.NO_PROPERTIES);
        MqttMessage d = v5.expect(MqttMessageType.DISCONNECT);
        assertThat(RawClient.reasonCode(d)).isEqualTo(0x95);
        assertThat(v5.awaitClosed(Duration.ofSeconds(3))).isTrue();

        RawClient v3 = clients.raw();
        v3.connect(RawClient.v3("big3", true, 60).build());
        v3.publish("t", 0, new byte[2000], 0, false, false, MqttProperties.NO_PROPERTIES);
        assertThat(v3.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void reasonStringsExplainRefusalsAndDisconnects() {
        start();
        RawClient badWill = clients.raw();
        MqttConnAckMessage ack = badWill.connect(RawClient.v5("badwill", true, 60).willFlag(true).willTopic("will/+")
                .willMessage("x".getBytes()).build());
        assertThat(ack.variableHeader().connectReturnCode().byteValue() & 0xff).isEqualTo(0x90);
        assertThat(RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.REASON_STRING))
                .isEqualTo("invalid will topic");

        RawClient twice = rawV5("twice", MqttProperties.NO_PROPERTIES);
        twice.send(RawClient.v5("twice", true, 60).build());
        MqttMessage d = twice.expect(MqttMessageType.DISCONNECT);
        assertThat(RawClient.reasonCode(d)).isEqualTo(0x82);
        var vh = (io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader) d.variableHeader();
        assertThat(RawClient.prop(vh.properties(), MqttPropertyType.REASON_STRING)).isEqualTo("second CONNECT");
    }

    @Test
    void authenticationMethodWithoutAnEnhancedAuthHandlerIsRefusedWithBadAuthenticationMethod() {
        start();
        RawClient c = clients.raw();
        MqttConnAckMessage ack = c.connect(RawClient.v5("scram", true, 60)
                .properties(RawClient.props(MqttPropertyType.AUTHENTICATION_METHOD, "SCRAM-SHA-256",
                        MqttPropertyType.AUTHENTICATION_DATA, "n,,n=user,r=abc".getBytes(StandardCharsets.UTF_8)))
                .build());
        assertThat(ack.variableHeader().connectReturnCode().byteValue() & 0xff).isEqualTo(0x8C);
        assertThat(c.awaitClosed(Duration.ofSeconds(3))).isTrue();
        assertThat(broker.broker().service().client("scram")).isEmpty();
    }
}
