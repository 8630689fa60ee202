package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Topic filters: wildcard matching, $-topics, invalid filters and names, shared subscriptions. */
class TopicTest extends BrokerTest {
    private static final String END = "end/marker";

    @Test
    void wildcardsMatchLevelsAsTheSpecSays() {
        start();
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("sport/tennis/+", List.of("sport/tennis/player1", "sport/tennis/player2"));
        expected.put("sport/#", List.of("sport", "sport/tennis/player1", "sport/tennis/player2", "sport/badminton/player1"));
        expected.put("sport/+/player1", List.of("sport/tennis/player1", "sport/badminton/player1"));
        expected.put("+/+", List.of("/finance", "a/b"));
        expected.put("+", List.of("sport"));
        expected.put("/+", List.of("/finance"));
        expected.put("#", List.of("sport", "sport/tennis/player1", "sport/tennis/player2", "sport/badminton/player1",
                "/finance", "a/b"));
        expected.put("$sys/#", List.of("$sys/x"));
        expected.put("+/x", List.of());
        Map<String, Inbox> inboxes = new LinkedHashMap<>();
        int n = 0;
        for (String filter : expected.keySet()) {
            Inbox in = new Inbox();
            Mqtt5BlockingClient c = clients.hiveConnected("c" + n++, in);
            c.subscribeWith().addSubscription().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                    .addSubscription().topicFilter(END).qos(MqttQos.AT_LEAST_ONCE).applySubscription().send();
            inboxes.put(filter, in);
        }
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (String t : List.of("sport", "sport/tennis/player1", "sport/tennis/player2", "sport/badminton/player1",
                "/finance", "a/b", "$sys/x")) {
            Clients.publish(pub, t, t, 1);
        }
        Clients.publish(pub, END, END, 1);
        for (var e : expected.entrySet()) {
            Inbox in = inboxes.get(e.getKey());
            in.awaitText(END);
            List<String> got = new ArrayList<>(in.topics());
            got.remove(END);
            assertThat(got).as("filter %s", e.getKey()).containsExactlyElementsOf(e.getValue());
        }
    }

    @Test
    void invalidFiltersGetSubackFailureV3() {
        start();
        RawClient c = clients.raw();
        c.connect(RawClient.v3("bad3", true, 60).build());
        MqttSubAckMessage ack = c.subscribe(1, MqttProperties.NO_PROPERTIES,
                "a/#/b", qos(1), "a+", qos(1), "ok/+", qos(1), "#/x", qos(1), "$share/g", qos(1), "$share//x", qos(1),
                "x#", qos(1), "ok/#", qos(2));
        assertThat(ack.payload().grantedQoSLevels()).containsExactly(0x80, 0x80, 1, 0x80, 0x80, 0x80, 0x80, 2);
        assertThat(broker.broker().service().subscriptions("bad3")).containsOnlyKeys("ok/+", "ok/#");
    }

    @Test
    void invalidFiltersGetSubackTopicFilterInvalidV5() {
        start();
        RawClient c = clients.raw();
        c.connect(RawClient.v5("bad5", true, 60).build());
        MqttSubAckMessage ack = c.subscribe(1, MqttProperties.NO_PROPERTIES,
                "a/#/b", qos(1), "a+", qos(1), "ok/+", qos(1), "$share/g", qos(1), "+x/y", qos(0));
        assertThat(ack.payload().reasonCodes()).containsExactly(0x8F, 0x8F, 1, 0x8F, 0x8F);
    }

    private static MqttSubscriptionOption qos(int q) {
        return MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(q));
    }

    @Test
    void wildcardInAPublishTopicClosesTheConnection() {
        start();
        RawClient v3 = clients.raw();
        v3.connect(RawClient.v3("wild3", true, 60).build());
        v3.publish("a/+", 1, "x", 1);
        assertThat(v3.awaitClosed(Duration.ofSeconds(3))).isTrue();
        assertThat(v3.drain()).noneMatch(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK);

        RawClient v5 = clients.raw();
        v5.connect(RawClient.v5("wild5", true, 60).build());
        v5.publish("a/#", 0, "x", 0);
        // netty's decoder rejects the topic name, so the packet counts as malformed (MQTT-3.3.2-2)
        assertThat(RawClient.reasonCode(v5.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x81);
        assertThat(v5.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void v3SharedSubscriptionSplitsMessagesBetweenMembers() throws Exception {
        start();
        Inbox a = new Inbox();
        Inbox b = new Inbox();
        Inbox plain = new Inbox();
        clients.v3("a", a).subscribe("$share/g/jobs/+", 1);
        clients.v3("b", b).subscribe("$share/g/jobs/+", 1);
        clients.v3("plain", plain).subscribe("jobs/+", 1);
        MqttClient pub = clients.v3("pub", null);
        for (int i = 0; i < 20; i++) {
            pub.publish("jobs/" + i, ("j" + i).getBytes(), 1, false);
        }
        assertSplit(a, b, 20, "j");
        assertThat(plain.await(20)).hasSize(20); // a plain subscription still gets everything
    }

    @Test
    void v5SharedSubscriptionSplitsAndTwoGroupsEachGetEverything() {
        start();
        Inbox a = new Inbox();
        Inbox b = new Inbox();
        Inbox other = new Inbox();
        clients.hiveConnected("a", a).subscribeWith().topicFilter("$share/g1/work").qos(MqttQos.AT_LEAST_ONCE).send();
        clients.hiveConnected("b", b).subscribeWith().topicFilter("$share/g1/work").qos(MqttQos.AT_LEAST_ONCE).send();
        clients.hiveConnected("other", other).subscribeWith().topicFilter("$share/g2/work").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int i = 0; i < 20; i++) {
            Clients.publish(pub, "work", "w" + i, 1);
        }
        assertSplit(a, b, 20, "w");
        assertThat(other.await(20)).extracting(Inbox.Msg::text)
                .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> "w" + i).toList());
    }

    @Test
    void legacyQueueFormIsASharedSubscription() throws Exception {
        start();
        Inbox a = new Inbox();
        Inbox b = new Inbox();
        clients.v3("qa", a).subscribe("$queue/tasks", 1);
        clients.hiveConnected("qb", b).subscribeWith().topicFilter("$queue/tasks").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int i = 0; i < 10; i++) {
            Clients.publish(pub, "tasks", "t" + i, 1);
        }
        assertSplit(a, b, 10, "t");
        assertThat(broker.broker().service().subscriptions("qa")).containsOnlyKeys("$queue/tasks");
    }

    /** Both members got some, together all, none twice. */
    private static void assertSplit(Inbox a, Inbox b, int total, String prefix) {
        await().atMost(Inbox.WAIT).until(() -> a.size() + b.size() >= total);
        List<String> all = new ArrayList<>(a.texts());
        all.addAll(b.texts());
        assertThat(a.size()).as("member a").isPositive();
        assertThat(b.size()).as("member b").isPositive();
        assertThat(all).hasSize(total).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, total).mapToObj(i -> prefix + i).toList());
    }

    @Test
    void unackedMessagesOfADepartingSharedMemberGoToTheOtherMember() {
        start();
        RawClient greedy = clients.raw(); // takes messages, never acknowledges
        greedy.connect(RawClient.v3("greedy", true, 60).build());
        greedy.subscribe(1, "$share/g/orders", 1);
        Inbox steady = new Inbox();
        clients.hiveConnected("steady", steady).subscribeWith().topicFilter("$share/g/orders").qos(MqttQos.AT_LEAST_ONCE).send();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int i = 0; i < 10; i++) {
            Clients.publish(pub, "orders", "o" + i, 1);
        }
        Set<String> takenByGreedy = new HashSet<>();
        await().atMost(Inbox.WAIT).until(() -> {
            greedy.drain().forEach(m -> takenByGreedy.add(RawClient.text((io.netty.handler.codec.mqtt.MqttPublishMessage) m)));
            return takenByGreedy.size() + steady.size() == 10;
        });
        assertThat(takenByGreedy).isNotEmpty();
        assertThat(steady.texts()).doesNotContainAnyElementsOf(takenByGreedy);

        greedy.close();
        await().atMost(Inbox.WAIT).until(() -> steady.size() >= 10);
        assertThat(steady.texts()).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).mapToObj(i -> "o" + i).toList());
    }

    @Test
    void overlappingSubscriptionsGiveOneDeliveryAtTheHighestQos() throws Exception {
        start();
        Inbox v3 = new Inbox();
        MqttClient c3 = clients.v3("overlap3", v3);
        c3.subscribe("o/+", 0);
        c3.subscribe("o/#", 2);
        Inbox v5 = new Inbox();
        Mqtt5BlockingClient c5 = clients.hiveConnected("overlap5", v5);
        c5.subscribeWith().addSubscription().topicFilter("o/#").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                .addSubscription().topicFilter("o/x").qos(MqttQos.AT_MOST_ONCE).applySubscription().send();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "o/x", "one", 2);
        Clients.publish(pub, "o/x", "two", 2);
        assertThat(v3.await(2)).extracting(Inbox.Msg::toString).containsExactly("o/x:one:q2", "o/x:two:q2");
        assertThat(v5.await(2)).extracting(Inbox.Msg::toString).containsExactly("o/x:one:q1", "o/x:two:q1");
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        start();
        Inbox inbox = new Inbox();
        MqttClient c = clients.v3("unsub", inbox);
        c.subscribe("u/1", 1);
        c.subscribe("u/2", 1);
        c.unsubscribe("u/1");
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "u/1", "gone", 1);
        Clients.publish(pub, "u/2", "kept", 1);
        inbox.awaitText("kept");
        assertThat(inbox.texts()).containsExactly("kept");
        assertThat(broker.broker().service().subscriptions("unsub")).containsOnlyKeys("u/2");
    }

    @Test
    void sharedGroupPrefersConnectedMembers() throws Exception {
        start();
        Mqtt5BlockingClient away = clients.hive("away", null);
        away.connectWith().sessionExpiryInterval(60).send();
        away.subscribeWith().topicFilter("$share/g/p").qos(MqttQos.AT_LEAST_ONCE).send();
        away.disconnect();
        Inbox here = new Inbox();
        clients.hiveConnected("here", here).subscribeWith().topicFilter("$share/g/p").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int i = 0; i < 6; i++) {
            Clients.publish(pub, "p", "p" + i, 1);
        }
        assertThat(here.await(6)).extracting(Inbox.Msg::text).containsExactly("p0", "p1", "p2", "p3", "p4", "p5");
        assertThat(broker.broker().service().client("away").orElseThrow().mqueueLen()).isZero();
    }

    @Test
    void subscriptionQuotaCountsEveryFilterOfOneSubscribe() {
        start(b -> b.maxSubscriptions(2));
        RawClient v5 = clients.raw();
        v5.connect(RawClient.v5("quota5", true, 60).build());
        MqttSubAckMessage ack = v5.subscribe(1, MqttProperties.NO_PROPERTIES, "q/a", qos(1), "q/b", qos(1), "q/c", qos(1));
        assertThat(ack.payload().reasonCodes()).containsExactly(1, 1, 0x97); // quota exceeded
        assertThat(v5.subscribe(2, "q/a", 0).payload().reasonCodes()).containsExactly(0); // replacing is not a new one
        assertThat(broker.broker().service().subscriptions("quota5")).containsOnlyKeys("q/a", "q/b");

        RawClient v3 = clients.raw();
        v3.connect(RawClient.v3("quota3", true, 60).build());
        v3.subscribe(1, "q/a", 1);
        v3.subscribe(2, "q/b", 1);
        assertThat(v3.subscribe(3, "q/c", 1).payload().grantedQoSLevels()).containsExactly(0x80);
    }

    @Test
    void wildcardAndSharedSubscriptionsCanBeSwitchedOff() {
        start(b -> b.wildcardSubscription(false).sharedSubscription(false));
        RawClient v5 = clients.raw();
        var connack = v5.connect(RawClient.v5("nowild", true, 60).build());
        var props = connack.variableHeader().properties();
        assertThat(RawClient.prop(props, io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.WILDCARD_SUBSCRIPTION_AVAILABLE)).isEqualTo(0);
        assertThat(RawClient.prop(props, io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE)).isEqualTo(0);
        MqttSubAckMessage ack = v5.subscribe(1, MqttProperties.NO_PROPERTIES, "a/+", qos(1), "$share/g/a", qos(1), "a/b", qos(1));
        assertThat(ack.payload().reasonCodes()).containsExactly(0xA2, 0x9E, 1);
    }
}
