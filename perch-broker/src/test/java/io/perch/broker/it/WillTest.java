package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Last Will: when it is published and when not, v5 will delay, will properties, takeover. */
class WillTest extends BrokerTest {
    private final Inbox wills = new Inbox();
    private Mqtt5BlockingClient marker;

    @BeforeEach
    void watchWills() {
        start();
        Mqtt5BlockingClient watcher = clients.hiveConnected("watcher", wills);
        watcher.subscribeWith().topicFilter("will/#").qos(MqttQos.AT_LEAST_ONCE).send();
        marker = clients.hiveConnected("marker", null);
    }

    /** Publishes a marker on the will topics and waits for it: everything sent before it has arrived. */
    private void sync(String text) {
        Clients.publish(marker, "will/marker", text, 1);
        wills.awaitText(text);
    }

    private static MqttMessageBuilders.ConnectBuilder v3WithWill(String id, String text) {
        return RawClient.v3(id, true, 60).willFlag(true).willTopic("will/" + id).willQoS(MqttQoS.AT_LEAST_ONCE)
                .willMessage(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MqttMessageBuilders.ConnectBuilder v5WithWill(String id, String text, int delay, int expiry) {
        return RawClient.v5(id, true, 60).willFlag(true).willTopic("will/" + id).willQoS(MqttQoS.AT_LEAST_ONCE)
                .willMessage(text.getBytes(StandardCharsets.UTF_8))
                .willProperties(RawClient.props(MqttPropertyType.WILL_DELAY_INTERVAL, delay))
                .properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, expiry));
    }

    @Test
    void willIsPublishedWhenTheConnectionDropsV3AndV5() {
        RawClient v3 = clients.raw();
        v3.connect(v3WithWill("drop3", "bye3").build());
        RawClient v5 = clients.raw();
        v5.connect(v5WithWill("drop5", "bye5", 0, 0).build());
        v3.close();
        v5.close();
        assertThat(wills.awaitText("bye3").topic()).isEqualTo("will/drop3");
        assertThat(wills.awaitText("bye5").topic()).isEqualTo("will/drop5");
    }

    @Test
    void willIsNotPublishedAfterANormalDisconnectV3AndV5() throws Exception {
        MqttClient v3 = clients.v3("normal3", null, o -> o.setWill("will/normal3", "no3".getBytes(), 1, false));
        v3.disconnect();
        Mqtt5BlockingClient v5 = clients.hive("normal5", null);
        v5.connectWith().willPublish().topic("will/normal5").payload("no5".getBytes()).applyWillPublish().send();
        v5.disconnect();
        RawClient raw = clients.raw();
        raw.connect(v5WithWill("normalraw", "noraw", 0, 0).build());
        raw.disconnect(0x00, io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
        assertThat(raw.awaitClosed(Duration.ofSeconds(3))).isTrue();
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().clients().size() == 2); // watcher, marker
        sync("after");
        assertThat(wills.texts()).containsExactly("after");
    }

    @Test
    void v5DisconnectWithWillMessageSendsTheWillWithItsProperties() {
        Mqtt5BlockingClient c = clients.hive("withwill", null);
        c.connectWith().willPublish().topic("will/withwill").payload("props".getBytes()).qos(MqttQos.AT_LEAST_ONCE)
                .contentType("text/plain").responseTopic("reply/here").correlationData("corr".getBytes())
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).messageExpiryInterval(100)
                .userProperties().add("k1", "v1").add("k2", "v2").applyUserProperties()
                .applyWillPublish().send();
        Inbox paho = new Inbox();
        try {
            clients.v5("paho", paho).subscribe("will/#", 1);
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            throw new AssertionError(e);
        }
        c.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();

        var hive = wills.awaitText("props").hive();
        assertThat(hive.getContentType().orElseThrow().toString()).isEqualTo("text/plain");
        assertThat(hive.getResponseTopic().orElseThrow().toString()).isEqualTo("reply/here");
        assertThat(StandardCharsets.UTF_8.decode(hive.getCorrelationData().orElseThrow()).toString()).isEqualTo("corr");
        assertThat(hive.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
        assertThat(hive.getMessageExpiryInterval().orElseThrow()).isBetween(98L, 100L);
        assertThat(hive.getUserProperties().asList()).extracting(p -> p.getName() + "=" + p.getValue())
                .containsExactly("k1=v1", "k2=v2");

        MqttProperties p = paho.awaitText("props").props();
        assertThat(p.getContentType()).isEqualTo("text/plain");
        assertThat(p.getResponseTopic()).isEqualTo("reply/here");
        assertThat(new String(p.getCorrelationData())).isEqualTo("corr");
        assertThat(p.getPayloadFormat()).isTrue();
        assertThat(p.getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue()).containsExactly("k1=v1", "k2=v2");
    }

    @Test
    void v5WillDelayHoldsTheWillBack() {
        RawClient c = clients.raw();
        c.connect(v5WithWill("delayed", "late", 1, 30).build());
        c.close();
        long t0 = System.nanoTime();
        wills.awaitText("late");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(800), Duration.ofMillis(3000));
    }

    @Test
    void v5WillDelayIsCutShortWhenTheSessionEnds() {
        RawClient c = clients.raw();
        c.connect(v5WithWill("shortsession", "session-ended", 30, 1).build());
        c.close();
        long t0 = System.nanoTime();
        wills.awaitText("session-ended");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(3000));
    }

    @Test
    void v5ReconnectWithinTheWillDelayCancelsTheWill() {
        RawClient comesBack = clients.raw();
        comesBack.connect(v5WithWill("back", "never", 1, 30).build());
        RawClient staysAway = clients.raw();
        staysAway.connect(v5WithWill("away", "away-will", 1, 30).build());
        comesBack.close();
        await().atMost(Inbox.WAIT).until(() -> !broker.broker().service().client("back").orElseThrow().connected());
        staysAway.close();

        RawClient again = clients.raw();
        assertThat(again.connect(RawClient.v5("back", false, 60)
                .properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 30)).build())
                .variableHeader().isSessionPresent()).isTrue();
        // "away" left after "back" with the same delay: once its will is out, "back"'s would have been too.
        wills.awaitText("away-will");
        assertThat(wills.texts()).doesNotContain("never");
    }

    @Test
    void v3WillIsPublishedOnTakeover() throws Exception {
        clients.v3("twin", null, o -> o.setWill("will/twin", "taken".getBytes(), 1, false));
        RawClient taker = clients.raw();
        assertThat(taker.connect(RawClient.v3("twin", true, 60).build()).variableHeader().connectReturnCode().byteValue())
                .isZero();
        assertThat(wills.awaitText("taken").topic()).isEqualTo("will/twin");
    }

    @Test
    void v5TakeoverWithCleanStartEndsTheOldSessionAndSendsItsDelayedWill() {
        RawClient old = clients.raw();
        old.connect(v5WithWill("twin5", "old-session-will", 30, 60).build());
        Mqtt5BlockingClient taker = clients.hive("twin5", null);
        assertThat(taker.connectWith().cleanStart(true).send().isSessionPresent()).isFalse();
        // The will delay is 30 s, but the session it belonged to has ended (MQTT 5 section 3.1.4).
        assertThat(wills.awaitText("old-session-will").topic()).isEqualTo("will/twin5");
    }

    @Test
    void v5TakeoverResumingTheSessionWithinTheWillDelaySendsNoWill() {
        RawClient old = clients.raw();
        old.connect(v5WithWill("resume5", "no-will", 30, 60).build());
        Mqtt5BlockingClient taker = clients.hive("resume5", null);
        assertThat(taker.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent()).isTrue();
        assertThat(old.awaitClosed(Duration.ofSeconds(3))).isTrue();
        sync("after-takeover");
        assertThat(wills.texts()).containsExactly("after-takeover");
    }

    @Test
    void retainedWillIsStoredAsRetained() {
        RawClient c = clients.raw();
        c.connect(v3WithWill("keeper", "last-words").willRetain(true).build());
        c.close();
        wills.awaitText("last-words");
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().retained().get("will/keeper").isPresent());
        Inbox late = new Inbox();
        clients.hiveConnected("late", late).subscribeWith().topicFilter("will/keeper").send();
        Inbox.Msg m = late.await(1).get(0);
        assertThat(m.text()).isEqualTo("last-words");
        assertThat(m.retained()).isTrue();
    }
}
