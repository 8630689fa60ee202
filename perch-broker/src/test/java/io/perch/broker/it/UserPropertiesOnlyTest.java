package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A v5 PUBLISH or Will whose only properties are User Properties (Netty's MqttProperties.isEmpty()
 * does not count them): they reach subscribers unchanged and in order (MQTT-3.3.2-17/-18,
 * MQTT-3.1.3-10), live, from a persistent session's queue, retained and as a will.
 */
class UserPropertiesOnlyTest extends BrokerTest {

    private static Mqtt5UserProperties props(String... nameValue) {
        var b = Mqtt5UserProperties.builder();
        for (int i = 0; i < nameValue.length; i += 2) {
            b.add(nameValue[i], nameValue[i + 1]);
        }
        return b.build();
    }

    /**
     * A publisher that sends no Topic Alias: HiveMQ's client otherwise adds one, and that property
     * alone hid the bug (the packet then no longer looked property-less).
     */
    private Mqtt5BlockingClient publisher() {
        Mqtt5BlockingClient c = clients.hive("pub", null);
        c.connectWith().restrictions().sendTopicAliasMaximum(0).applyRestrictions().send();
        return c;
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String text, boolean retain, Mqtt5UserProperties up) {
        c.publishWith().topic(topic).payload(text.getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE)
                .retain(retain).userProperties(up).send();
    }

    private static List<String> pairs(Mqtt5Publish p) {
        return p.getUserProperties().asList().stream().map(u -> u.getName() + "=" + u.getValue()).toList();
    }

    /** Only user properties arrived: none of the other pass-through properties was made up. */
    private static void assertNoOtherProperties(Mqtt5Publish p) {
        assertThat(p.getContentType()).isEmpty();
        assertThat(p.getResponseTopic()).isEmpty();
        assertThat(p.getCorrelationData()).isEmpty();
        assertThat(p.getPayloadFormatIndicator()).isEmpty();
        assertThat(p.getMessageExpiryInterval()).isEmpty();
    }

    @Test
    void liveSubscribersOfBothLibrariesGetOneSeveralAndRepeatedUserPropertiesInOrder() throws Exception {
        start();
        Inbox hive = new Inbox();
        clients.hiveConnected("hive", hive).subscribeWith().topicFilter("up/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Inbox paho = new Inbox();
        clients.v5("paho", paho).subscribe("up/#", 1);

        Mqtt5BlockingClient pub = publisher();
        publish(pub, "up/one", "one", false, props("k", "v"));
        publish(pub, "up/several", "several", false, props("z", "1", "a", "2", "m", "3"));
        publish(pub, "up/repeated", "repeated", false, props("n", "first", "other", "x", "n", "second", "n", "first"));

        List<Inbox.Msg> got = hive.await(3);
        assertThat(got).extracting(Inbox.Msg::text).containsExactly("one", "several", "repeated");
        assertThat(pairs(got.get(0).hive())).containsExactly("k=v");
        assertThat(pairs(got.get(1).hive())).containsExactly("z=1", "a=2", "m=3");
        assertThat(pairs(got.get(2).hive())).containsExactly("n=first", "other=x", "n=second", "n=first");
        got.forEach(m -> assertNoOtherProperties(m.hive()));

        List<Inbox.Msg> viaPaho = paho.await(3);
        assertThat(viaPaho.get(2).props().getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue())
                .containsExactly("n=first", "other=x", "n=second", "n=first");
        assertThat(viaPaho.get(2).props().getContentType()).isNull();
    }

    @Test
    void messageQueuedForAnOfflinePersistentSessionKeepsItsUserProperties() {
        start();
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hive("offline", inbox);
        sub.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter("q/up").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        Mqtt5BlockingClient pub = publisher();
        publish(pub, "q/up", "queued", false, props("b", "2", "a", "1", "b", "3"));

        assertThat(sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent()).isTrue();
        Mqtt5Publish p = inbox.awaitText("queued").hive();
        assertThat(pairs(p)).containsExactly("b=2", "a=1", "b=3");
        assertNoOtherProperties(p);
    }

    @Test
    void retainedMessageKeepsItsUserProperties() {
        start();
        publish(publisher(), "r/up", "kept", true, props("x", "1", "y", "2", "x", "3"));
        Inbox inbox = new Inbox();
        clients.hiveConnected("late", inbox).subscribeWith().topicFilter("r/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Inbox.Msg got = inbox.awaitText("kept");
        assertThat(got.retained()).isTrue();
        assertThat(pairs(got.hive())).containsExactly("x=1", "y=2", "x=3");
        assertNoOtherProperties(got.hive());
    }

    @Test
    void willWhoseOnlyPropertiesAreUserPropertiesKeepsThem() {
        start();
        Inbox wills = new Inbox();
        clients.hiveConnected("watcher", wills).subscribeWith().topicFilter("will/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient c = clients.hive("dying", null);
        c.connectWith().willPublish().topic("will/dying").payload("bye".getBytes()).qos(MqttQos.AT_LEAST_ONCE)
                .userProperties(props("why", "test", "when", "now", "why", "again")).applyWillPublish().send();
        c.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();

        Mqtt5Publish p = wills.awaitText("bye").hive();
        assertThat(pairs(p)).containsExactly("why=test", "when=now", "why=again");
        assertNoOtherProperties(p);
    }

    @Test
    void userPropertiesOnSubscribeUnsubscribePubackAndDisconnectAreAcceptedWithoutHarm() {
        start();
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hiveConnected("sub", inbox);
        sub.subscribeWith().topicFilter("o/a").qos(MqttQos.AT_LEAST_ONCE).userProperties(props("s", "1")).send();
        sub.subscribeWith().topicFilter("o/b").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.unsubscribeWith().topicFilter("o/b").userProperties(props("u", "1")).send();

        RawClient raw = clients.raw();
        raw.connect(RawClient.v5("raw", true, 60).build());
        raw.subscribe(1, "o/a", 1);

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "o/b", "unsubscribed", 1);
        Clients.publish(pub, "o/a", "subscribed", 1);
        assertThat(inbox.awaitText("subscribed").topic()).isEqualTo("o/a");

        // PUBACK with a user property (and a reason string, which Netty's encoder needs to write any property).
        int id = RawClient.packetId(raw.expectPublish());
        MqttProperties ackProps = RawClient.props(MqttPropertyType.REASON_STRING, "ok",
                MqttPropertyType.USER_PROPERTY, new MqttProperties.StringPair("p", "1"));
        raw.send(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(id, (byte) 0, ackProps)));
        Clients.publish(pub, "o/a", "after-ack", 1);
        assertThat(RawClient.text(raw.expectPublish())).isEqualTo("after-ack");
        assertThat(raw.isOpen()).isTrue();

        inbox.awaitText("after-ack");
        sub.disconnectWith().userProperties(props("d", "1")).send();
        assertThat(inbox.texts()).containsExactly("subscribed", "after-ack");
        org.awaitility.Awaitility.await().atMost(Inbox.WAIT)
                .until(() -> broker.broker().service().client("sub").isEmpty());
    }
}
