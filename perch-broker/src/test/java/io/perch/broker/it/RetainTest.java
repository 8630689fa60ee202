package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption.RetainedHandlingPolicy;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Retained messages: set/replace/delete, wildcard lookups, retain flags, v5 retain handling, $-topics. */
class RetainTest extends BrokerTest {

    private RawClient rawV5(String id) {
        RawClient c = clients.raw();
        c.connect(RawClient.v5(id, true, 60).build());
        return c;
    }

    private static MqttSubscriptionOption opt(int qos, boolean rap, RetainedHandlingPolicy rh) {
        return new MqttSubscriptionOption(MqttQoS.valueOf(qos), false, rap, rh);
    }

    @Test
    void v3RetainedMessageIsSetReplacedAndDeletedByAnEmptyPayload() throws Exception {
        start();
        MqttClient pub = clients.v3("pub", null);
        pub.publish("r/a", "v1".getBytes(), 1, true);
        pub.publish("r/a", "v2".getBytes(), 1, true);

        Inbox first = new Inbox();
        clients.v3("first", first).subscribe("r/#", 1);
        Inbox.Msg m = first.await(1).get(0);
        assertThat(m.toString()).isEqualTo("r/a:v2:q1:r");

        pub.publish("r/a", new byte[0], 1, true); // delete
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().retained().get("r/a").isEmpty());
        pub.publish("r/b", "marker".getBytes(), 1, true);

        Inbox second = new Inbox();
        clients.v3("second", second).subscribe("r/#", 1);
        second.awaitText("marker");
        assertThat(second.texts()).containsExactly("marker");
    }

    @Test
    void v5RetainedMessageIsSetReplacedAndDeleted() {
        start();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "r5/a", "v1", 1, true);
        Clients.publish(pub, "r5/a", "v2", 2, true);
        Inbox first = new Inbox();
        clients.hiveConnected("first", first).subscribeWith().topicFilter("r5/+").qos(MqttQos.EXACTLY_ONCE).send();
        assertThat(first.await(1).get(0).toString()).isEqualTo("r5/a:v2:q2:r");

        Clients.publish(pub, "r5/a", "", 1, true);
        Clients.publish(pub, "r5/b", "marker", 1, true);
        Inbox second = new Inbox();
        clients.hiveConnected("second", second).subscribeWith().topicFilter("r5/+").qos(MqttQos.AT_LEAST_ONCE).send();
        second.awaitText("marker");
        assertThat(second.texts()).containsExactly("marker");
    }

    @Test
    void wildcardSubscriptionGetsEveryMatchingRetainedMessage() throws Exception {
        start();
        MqttClient pub = clients.v3("pub", null);
        for (String t : new String[]{"w/1", "w/2/x", "w/3", "w", "other/1"}) {
            pub.publish(t, t.getBytes(), 0, true);
        }
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().retained().size() >= 5);
        Inbox all = new Inbox();
        clients.v3("all", all).subscribe("w/#", 0);
        Inbox level = new Inbox();
        clients.v3("level", level).subscribe("w/+", 0);
        assertThat(all.await(4)).extracting(Inbox.Msg::topic).containsExactlyInAnyOrder("w", "w/1", "w/2/x", "w/3");
        assertThat(level.await(2)).extracting(Inbox.Msg::topic).containsExactlyInAnyOrder("w/1", "w/3");
        assertThat(all.messages()).allMatch(Inbox.Msg::retained);
    }

    @Test
    void v3LiveMessageToAnEstablishedSubscriptionHasRetainFlagCleared() throws Exception {
        start();
        Inbox inbox = new Inbox();
        clients.v3("sub", inbox).subscribe("live", 1);
        clients.v3("pub", null).publish("live", "x".getBytes(), 1, true);
        assertThat(inbox.await(1).get(0).retained()).isFalse(); // MQTT-3.3.1-9
    }

    @Test
    void v5RetainHandlingZeroOneAndTwo() {
        start();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "h", "kept", 1, true);
        RawClient sub = rawV5("rh");

        // 0: sent at every subscribe, with the retain flag
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "h", opt(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE));
        MqttPublishMessage first = sub.expectPublish();
        assertThat(RawClient.text(first)).isEqualTo("kept");
        assertThat(first.fixedHeader().isRetain()).isTrue();
        sub.subscribe(2, MqttProperties.NO_PROPERTIES, "h", opt(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE));
        assertThat(RawClient.text(sub.expectPublish())).isEqualTo("kept");

        // 1: not for a subscription that already exists...
        sub.subscribe(3, MqttProperties.NO_PROPERTIES, "h",
                opt(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS));
        Clients.publish(pub, "h", "live1", 1);
        assertThat(RawClient.text(sub.expectPublish())).isEqualTo("live1");
        // ...but for a new one
        sub.subscribe(4, MqttProperties.NO_PROPERTIES, "h/#",
                opt(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS));
        assertThat(RawClient.text(sub.expectPublish())).isEqualTo("kept");

        // 2: never, even for a new subscription
        sub.subscribe(5, MqttProperties.NO_PROPERTIES, "+", opt(0, false, RetainedHandlingPolicy.DONT_SEND_AT_SUBSCRIBE));
        Clients.publish(pub, "h", "live2", 1);
        assertThat(RawClient.text(sub.expectPublish())).isEqualTo("live2");
        assertThat(sub.drain()).isEmpty();
    }

    @Test
    void v5RetainAsPublishedKeepsTheFlagOnLiveMessagesOnlyForThoseWhoAskedForIt() {
        start();
        RawClient keep = rawV5("rap1");
        keep.subscribe(1, MqttProperties.NO_PROPERTIES, "p", opt(0, true, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE));
        RawClient clear = rawV5("rap0");
        clear.subscribe(1, MqttProperties.NO_PROPERTIES, "p", opt(0, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE));

        Clients.publish(clients.hiveConnected("pub", null), "p", "x", 0, true);
        MqttPublishMessage k = keep.expectPublish();
        MqttPublishMessage c = clear.expectPublish();
        assertThat(RawClient.text(k)).isEqualTo("x");
        assertThat(k.fixedHeader().isRetain()).isTrue();
        assertThat(RawClient.text(c)).isEqualTo("x");
        assertThat(c.fixedHeader().isRetain()).isFalse();
    }

    @Test
    void dollarTopicsAreNotMatchedByLeadingWildcards() throws Exception {
        start();
        MqttClient pub = clients.v3("pub", null);
        pub.publish("$foo/bar", "dollar".getBytes(), 1, true);
        pub.publish("plain/bar", "plain".getBytes(), 1, true);

        Inbox hash = new Inbox();
        MqttClient hashSub = clients.v3("hash", hash);
        hashSub.subscribe("#", 1);
        hashSub.subscribe("+/bar", 1);
        Inbox dollar = new Inbox();
        clients.v3("dollar", dollar).subscribe("$foo/#", 1);

        assertThat(dollar.await(1).get(0).toString()).isEqualTo("$foo/bar:dollar:q1:r");
        hash.awaitText("plain");
        pub.publish("$foo/live", "dollar-live".getBytes(), 1, false);
        pub.publish("plain/live", "plain-live".getBytes(), 1, false);
        hash.awaitText("plain-live");
        dollar.awaitText("dollar-live");
        assertThat(hash.topics()).doesNotContain("$foo/bar", "$foo/live").allMatch(t -> !t.startsWith("$"));
    }

    @Test
    void retainNotAvailableIsAnnouncedAndARetainedPublishDisconnects() {
        start(b -> b.retainAvailable(false));
        RawClient c = clients.raw();
        MqttConnAckMessage ack = c.connect(RawClient.v5("noretain", true, 60).build());
        assertThat(RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.RETAIN_AVAILABLE)).isEqualTo(0);
        c.publish("t", 0, "x".getBytes(), 0, false, true, MqttProperties.NO_PROPERTIES);
        assertThat(RawClient.reasonCode(c.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x9A);
    }

    @Test
    void retainedMessageExpiresAndItsRemainingExpiryIsForwarded() {
        start();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        long t0 = System.nanoTime();
        pub.publishWith().topic("e/short").payload("short".getBytes()).retain(true).messageExpiryInterval(1).send();
        pub.publishWith().topic("e/long").payload("long".getBytes()).retain(true).messageExpiryInterval(60).send();
        // Expiry is about time passing: wait until the short one's second is over.
        await().atMost(java.time.Duration.ofSeconds(3)).until(() -> System.nanoTime() - t0 > 1_200_000_000L);
        Inbox inbox = new Inbox();
        clients.hiveConnected("late", inbox).subscribeWith().topicFilter("e/#").send();
        Inbox.Msg got = inbox.await(1).get(0);
        assertThat(got.text()).isEqualTo("long");
        assertThat(got.hive().getMessageExpiryInterval().orElseThrow()).isBetween(55L, 59L);
        Clients.publish(pub, "e/marker", "marker", 1);
        inbox.awaitText("marker");
        assertThat(inbox.texts()).containsExactly("long", "marker");
        assertThat(broker.broker().service().retained().get("e/short")).isEmpty();
    }
}
