package io.perch.broker.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.perch.broker.api.ClientView;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** QoS 0/1/2 in both directions, exactly-once inbound, ordering, the in-flight window and the bounded queue. */
class QosTest extends BrokerTest {

    private ClientView view(String clientId) {
        return broker.broker().service().client(clientId).orElseThrow();
    }

    @Test
    void v3DeliversEachQosDowngradedToTheSubscriptionQos() throws Exception {
        start();
        Inbox[] subs = {new Inbox(), new Inbox(), new Inbox()};
        for (int q = 0; q < 3; q++) {
            clients.v3("sub" + q, subs[q]).subscribe("m/#", q);
        }
        MqttClient pub = clients.v3("pub", null);
        for (int q = 0; q < 3; q++) {
            pub.publish("m/" + q, ("p" + q).getBytes(), q, false);
        }
        for (int s = 0; s < 3; s++) {
            int sq = s;
            assertThat(subs[s].await(3)).extracting(Inbox.Msg::toString)
                    .containsExactly("m/0:p0:q0", "m/1:p1:q" + Math.min(1, sq), "m/2:p2:q" + Math.min(2, sq));
        }
    }

    @Test
    void v5DeliversEachQosDowngradedToTheSubscriptionQos() {
        start();
        Inbox[] subs = {new Inbox(), new Inbox(), new Inbox()};
        for (int q = 0; q < 3; q++) {
            clients.hiveConnected("sub" + q, subs[q]).subscribeWith().topicFilter("m/#").qos(MqttQos.fromCode(q)).send();
        }
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int q = 0; q < 3; q++) {
            Clients.publish(pub, "m/" + q, "p" + q, q);
        }
        for (int s = 0; s < 3; s++) {
            int sq = s;
            assertThat(subs[s].await(3)).extracting(Inbox.Msg::toString)
                    .containsExactly("m/0:p0:q0", "m/1:p1:q" + Math.min(1, sq), "m/2:p2:q" + Math.min(2, sq));
        }
    }

    @Test
    void v3DuplicateQos2PublishBeforePubrelIsRoutedOnce() {
        exactlyOnce(RawClient.v3("dup2", true, 60).build());
    }

    @Test
    void v5DuplicateQos2PublishBeforePubrelIsRoutedOnce() {
        exactlyOnce(RawClient.v5("dup2", true, 60).build());
    }

    private void exactlyOnce(MqttConnectMessage connect) {
        start();
        Inbox inbox = new Inbox();
        clients.hiveConnected("sub", inbox).subscribeWith().topicFilter("x/#").qos(MqttQos.EXACTLY_ONCE).send();
        RawClient pub = clients.raw();
        pub.connect(connect);
        byte[] once = "once".getBytes(StandardCharsets.UTF_8);
        pub.publish("x/1", 2, once, 7, false, false, io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBREC))).isEqualTo(7);
        pub.publish("x/1", 2, once, 7, true, false, io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBREC))).isEqualTo(7);
        pub.pubrel(7);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBCOMP))).isEqualTo(7);
        // After PUBCOMP the id is free again: a new message with it is a new message.
        pub.publish("x/1", 2, "again".getBytes(), 7, false, false, io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
        pub.expect(MqttMessageType.PUBREC);
        pub.pubrel(7);
        pub.expect(MqttMessageType.PUBCOMP);
        inbox.awaitText("again");
        assertThat(inbox.texts()).containsExactly("once", "again");
    }

    @Test
    void burstOfAThousandQos1MessagesArrivesInOrderV3AndV5() throws Exception {
        start();
        Inbox v3 = new Inbox();
        clients.v3("sub3", v3).subscribe("burst", 1);
        Inbox v5 = new Inbox();
        clients.hiveConnected("sub5", v5).subscribeWith().topicFilter("burst").qos(MqttQos.AT_LEAST_ONCE).send();

        Mqtt5AsyncClient pub = clients.hiveConnected("pub", null).toAsync();
        List<CompletableFuture<Mqtt5PublishResult>> acks = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            acks.add(pub.publishWith().topic("burst").qos(MqttQos.AT_LEAST_ONCE).payload(String.valueOf(i).getBytes()).send());
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        List<String> expected = IntStream.range(0, 1000).mapToObj(String::valueOf).toList();
        await().atMost(Duration.ofSeconds(10)).until(() -> v3.size() >= 1000 && v5.size() >= 1000);
        assertThat(outOfOrder(v3.texts())).as("v3 out of order").isEmpty();
        assertThat(outOfOrder(v5.texts())).as("v5 out of order").isEmpty();
        assertThat(v3.texts()).isEqualTo(expected);
        assertThat(v5.texts()).isEqualTo(expected);
    }

    /** Describes where a list of "0".."n" goes wrong: the first few places where a number is not one more than the last. */
    private static List<String> outOfOrder(List<String> got) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < got.size() && problems.size() < 5; i++) {
            if (!got.get(i).equals(String.valueOf(i))) {
                problems.add("at " + i + ": " + got.subList(Math.max(0, i - 2), Math.min(got.size(), i + 3)));
                break;
            }
        }
        return problems;
    }

    @Test
    void v5ReceiveMaximumLimitsUnacknowledgedMessages() {
        start();
        RawClient sub = clients.raw();
        sub.connect(RawClient.v5("rm3", true, 60).properties(RawClient.props(MqttPropertyType.RECEIVE_MAXIMUM, 3)).build());
        sub.subscribe(1, "w", 1);
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int i = 0; i < 10; i++) {
            Clients.publish(pub, "w", "m" + i, 1);
        }
        List<MqttPublishMessage> outstanding = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            outstanding.add(sub.expectPublish());
        }
        // All ten were routed: three are in flight and seven wait in the queue, none was sent beyond the window.
        await().atMost(Inbox.WAIT).until(() -> view("rm3").inflight() == 3 && view("rm3").mqueueLen() == 7);
        assertThat(sub.drain()).isEmpty();

        List<String> got = new ArrayList<>();
        while (!outstanding.isEmpty()) {
            MqttPublishMessage oldest = outstanding.remove(0);
            got.add(RawClient.text(oldest));
            sub.puback(RawClient.packetId(oldest));
            if (got.size() + outstanding.size() < 10) {
                outstanding.add(sub.expectPublish()); // each ack lets exactly one more through
            }
            assertThat(view("rm3").inflight()).isLessThanOrEqualTo(3);
        }
        assertThat(got).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
        assertThat(sub.drain()).isEmpty();
    }

    @Test
    void hiveMqClientWithReceiveMaximumTwoNeverHasMoreThanTwoUnacked() {
        start();
        AtomicInteger unacked = new AtomicInteger();
        AtomicInteger maxUnacked = new AtomicInteger();
        ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
        ScheduledExecutorService acker = Executors.newSingleThreadScheduledExecutor();
        clients.track(acker::shutdownNow);
        Mqtt5BlockingClient sub = clients.hive("rm2", null);
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
            maxUnacked.accumulateAndGet(unacked.incrementAndGet(), Math::max);
            got.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
            acker.schedule(() -> {
                unacked.decrementAndGet();
                p.acknowledge();
            }, 5, TimeUnit.MILLISECONDS);
        }, true);
        sub.connectWith().restrictions().receiveMaximum(2).applyRestrictions().send();
        sub.subscribeWith().topicFilter("w").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5AsyncClient pub = clients.hiveConnected("pub", null).toAsync();
        for (int i = 0; i < 50; i++) {
            pub.publishWith().topic("w").qos(MqttQos.AT_LEAST_ONCE).payload(("m" + i).getBytes()).send();
        }
        await().atMost(Inbox.WAIT).until(() -> got.size() == 50);
        assertThat(maxUnacked.get()).isBetween(1, 2);
        assertThat(got).containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void brokerMaxInflightBoundsAV3Client() {
        start(b -> b.maxInflight(2));
        RawClient sub = clients.raw();
        sub.connect(RawClient.v3("inflight", true, 60).build());
        sub.subscribe(1, "w", 1);
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int i = 0; i < 5; i++) {
            Clients.publish(pub, "w", "m" + i, 1);
        }
        MqttPublishMessage a = sub.expectPublish();
        sub.expectPublish();
        await().atMost(Inbox.WAIT).until(() -> view("inflight").mqueueLen() == 3);
        assertThat(sub.drain()).isEmpty();
        sub.puback(RawClient.packetId(a));
        assertThat(RawClient.text(sub.expectPublish())).isEqualTo("m2");
        assertThat(view("inflight").inflight()).isEqualTo(2);
    }

    @Test
    void fullQueueDropsQueuedQos0FirstThenTheNewMessageAndCountsDrops() throws Exception {
        start(b -> b.maxMqueueLen(3));
        Inbox inbox = new Inbox();
        MqttClient sub = clients.v3Client("offline", inbox);
        sub.connect(Clients.v3Options(false));
        sub.subscribe("q", 1);
        sub.disconnect();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "q", "a", 0);
        Clients.publish(pub, "q", "b", 1);
        Clients.publish(pub, "q", "c", 1);
        Clients.publish(pub, "q", "d", 1); // queue full: the queued QoS 0 "a" makes room
        Clients.publish(pub, "q", "e", 1); // queue full of QoS 1: "e" itself is dropped
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().stats().messagesDroppedQueueFull.sum() == 2);
        assertThat(view("offline").mqueueLen()).isEqualTo(3);
        assertThat(view("offline").mqueueDropped()).isEqualTo(2);

        sub.connect(Clients.v3Options(false));
        assertThat(inbox.await(3)).extracting(Inbox.Msg::text).containsExactly("b", "c", "d");
        Clients.publish(pub, "q", "marker", 1);
        inbox.awaitText("marker");
        assertThat(inbox.texts()).containsExactly("b", "c", "d", "marker");
    }

    @Test
    void qos0MessageWaitsBehindQueuedQos1Messages() {
        start();
        RawClient sub = clients.raw();
        sub.connect(RawClient.v5("rm1", true, 60).properties(RawClient.props(MqttPropertyType.RECEIVE_MAXIMUM, 1)).build());
        sub.subscribe(1, "mix", 1);
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "mix", "first", 1);
        Clients.publish(pub, "mix", "second", 1);
        Clients.publish(pub, "mix", "third-qos0", 0);
        MqttPublishMessage first = sub.expectPublish();
        await().atMost(Inbox.WAIT).until(() -> view("rm1").mqueueLen() == 2);
        assertThat(sub.drain()).isEmpty(); // the QoS 0 message does not overtake the queued QoS 1 one
        sub.puback(RawClient.packetId(first));
        MqttPublishMessage second = sub.expectPublish();
        MqttPublishMessage third = sub.expectPublish();
        assertThat(RawClient.text(second)).isEqualTo("second");
        assertThat(RawClient.text(third)).isEqualTo("third-qos0");
        assertThat(third.fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_MOST_ONCE);
    }

    @Test
    void maxQosAllowedIsAnnouncedGrantedAndEnforced() {
        start(b -> b.maxQosAllowed(1));
        RawClient v5 = clients.raw();
        var ack = v5.connect(RawClient.v5("q5", true, 60).build());
        assertThat(RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.MAXIMUM_QOS)).isEqualTo(1);
        assertThat(v5.subscribe(1, "t", 2).payload().reasonCodes()).containsExactly(1);
        v5.publish("t", 2, "too-high", 2);
        assertThat(RawClient.reasonCode(v5.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x9B);

        RawClient v3 = clients.raw();
        v3.connect(RawClient.v3("q3", true, 60).build());
        assertThat(v3.subscribe(1, "t", 2).payload().grantedQoSLevels()).containsExactly(1);
        v3.publish("t", 2, "too-high", 2);
        assertThat(v3.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void inboundQos2StateSurvivesAReconnectOfAPersistentSession() {
        start();
        Inbox inbox = new Inbox();
        clients.hiveConnected("sub", inbox).subscribeWith().topicFilter("eo").qos(MqttQos.EXACTLY_ONCE).send();
        RawClient pub = clients.raw();
        pub.connect(RawClient.v3("eo-pub", false, 60).build());
        pub.publish("eo", 2, "once", 9);
        pub.expect(MqttMessageType.PUBREC);
        pub.close(); // gone before PUBREL

        RawClient again = clients.raw();
        assertThat(again.connect(RawClient.v3("eo-pub", false, 60).build()).variableHeader().isSessionPresent()).isTrue();
        again.publish("eo", 2, "once".getBytes(StandardCharsets.UTF_8), 9, true, false,
                io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES); // the client resends: DUP
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBREC))).isEqualTo(9);
        again.pubrel(9);
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBCOMP))).isEqualTo(9);
        again.publish("eo", 1, "marker", 10);
        inbox.awaitText("marker");
        assertThat(inbox.texts()).containsExactly("once", "marker");
    }

    @Test
    void moreQos2MessagesAwaitingReleaseThanAllowedDisconnects() {
        start(b -> b.maxAwaitingRel(2));
        RawClient pub = clients.raw();
        var ack = pub.connect(RawClient.v5("greedy", true, 60).build());
        assertThat(RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.RECEIVE_MAXIMUM)).isEqualTo(2);
        pub.publish("t", 2, "1", 1);
        pub.publish("t", 2, "2", 2);
        pub.expect(MqttMessageType.PUBREC);
        pub.expect(MqttMessageType.PUBREC);
        pub.publish("t", 2, "3", 3);
        assertThat(RawClient.reasonCode(pub.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x93);
    }
}
