package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.persist.Phase;
import io.perch.broker.persist.StoredSession;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The persistence SPI end to end: a broker keeps sessions that outlive their connection in a
 * store, stops, and a new broker on the same store gives returning clients their sessions:
 * subscriptions, queued messages in order, in-flight messages resent with DUP under their
 * packet ids, QoS 2 in both directions, delayed wills and expiry. The store here keeps its
 * data in memory across the two brokers ({@link MapPersistence}); a durable one does the same
 * across processes.
 */
class DurableSessionTest {
    private final MapPersistence store = new MapPersistence();
    private final List<AutoCloseable> open = new ArrayList<>();
    private BrokerFixture broker;

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private void startBroker() {
        startBroker(b -> { });
    }

    private void startBroker(Consumer<io.perch.broker.config.BrokerConfig.Builder> tune) {
        broker = BrokerFixture.start(tune, br -> { }, store);
    }

    /** Stops the broker (its connections close) and starts a new one on the same store. */
    private void restart() throws Exception {
        restart(b -> { });
    }

    private void restart(Consumer<io.perch.broker.config.BrokerConfig.Builder> tune) throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
        broker.close();
        startBroker(tune);
    }

    private RawClient client() {
        RawClient c = RawClient.open(broker.tcpPort());
        open.add(c);
        return c;
    }

    private RawClient connect(String id, boolean clean, boolean expectPresent) {
        RawClient c = client();
        var ack = c.connect(RawClient.v5(id, clean, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        assertThat(ack.variableHeader().connectReturnCode().byteValue()).isZero();
        assertThat(ack.variableHeader().isSessionPresent()).as("session present").isEqualTo(expectPresent);
        return c;
    }

    /** A persistent client that subscribed at QoS 1 and went away: its session is stored. */
    private void leaveSubscribed(String clientId, String filter) {
        RawClient sub = connect(clientId, false, false);
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, filter, qos(1));
        sub.disconnect(0, null);
    }

    /** Receives {@code n} QoS 1 messages, acknowledging each; their texts in order. */
    private static List<String> receiveQos1(RawClient c, int n) {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MqttPublishMessage p = c.expectPublish();
            got.add(RawClient.text(p));
            c.puback(p.variableHeader().packetId());
        }
        return got;
    }

    private static MqttSubscriptionOption qos(int q) {
        return MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(q));
    }

    private void publish(String topic, int qos, String text, int packetId) {
        RawClient pub = client();
        pub.connect(RawClient.v5("pub-" + packetId + "-" + System.nanoTime(), true, 60).build());
        pub.publish(topic, qos, text, packetId);
        if (qos == 1) {
            pub.expect(MqttMessageType.PUBACK);
        } else if (qos == 2) {
            pub.expect(MqttMessageType.PUBREC);
            pub.pubrel(packetId);
            pub.expect(MqttMessageType.PUBCOMP);
        }
    }

    @Test
    void subscriptionsAndQueuedMessagesSurviveARestartInOrder() throws Exception {
        startBroker();
        RawClient sub = connect("keeper", false, false);
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "q/#", qos(1), "two/+", qos(2));
        sub.disconnect(0, null);
        for (int i = 0; i < 5; i++) {
            publish("q/" + i, 1, "m" + i, 10 + i);
        }
        publish("two/x", 2, "exactly-once", 30);
        await().atMost(Inbox.WAIT).untilAsserted(() -> assertThat(store.stored("keeper").orElseThrow().messages()).hasSize(6));

        restart();
        RawClient back = connect("keeper", false, true);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            MqttPublishMessage p = back.expectPublish();
            got.add(RawClient.text(p));
            if (p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                back.puback(p.variableHeader().packetId());
            } else {
                back.pubrec(p.variableHeader().packetId());
                back.expect(MqttMessageType.PUBREL);
                back.pubcomp(p.variableHeader().packetId());
            }
        }
        assertThat(got).containsExactly("m0", "m1", "m2", "m3", "m4", "exactly-once");
        // The subscriptions came back too: a new message is routed to the restored session.
        publish("q/new", 1, "after", 40);
        MqttPublishMessage after = back.expectPublish();
        assertThat(RawClient.text(after)).isEqualTo("after");
        back.puback(after.variableHeader().packetId());
        assertThat(back.ping()).isEmpty();
        await().atMost(Inbox.WAIT).until(() -> store.stored("keeper").orElseThrow().messages().isEmpty());
    }

    @Test
    void messagesPublishedBeforeTheClientReturnsAreKeptForItAfterTheStoredOnes() throws Exception {
        startBroker();
        leaveSubscribed("away", "news/#");
        publish("news/1", 1, "before-restart", 51);

        restart();
        publish("news/2", 1, "while-away", 52); // the session is stored, not in memory
        store.loadGate = new java.util.concurrent.CompletableFuture<>();
        RawClient back = client();
        back.send(RawClient.v5("away", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        await().atMost(Inbox.WAIT).until(() -> store.loads.get() == 1);
        publish("news/3", 1, "while-loading", 53); // routed while the CONNECT waits for the load
        store.loadGate.complete(null);

        assertThat(back.<io.netty.handler.codec.mqtt.MqttConnAckMessage>expect(MqttMessageType.CONNACK)
                .variableHeader().isSessionPresent()).isTrue();
        assertThat(receiveQos1(back, 3)).containsExactly("before-restart", "while-away", "while-loading");
        assertThat(back.ping()).isEmpty();
    }

    @Test
    void messagesKeptForAStoredSessionAreBoundedByMaxMqueueLen() throws Exception {
        startBroker();
        leaveSubscribed("bounded", "b/#");
        publish("b/0", 1, "stored-before", 70);

        restart(b -> b.maxMqueueLen(2));
        for (int i = 1; i <= 3; i++) {
            publish("b/" + i, 1, "away-" + i, 70 + i);
        }
        assertThat(store.stored("bounded").orElseThrow().messages()).hasSize(2);
        assertThat(broker.broker().service().stats().messagesDroppedQueueFull.sum()).isEqualTo(2);
        RawClient back = connect("bounded", false, true);
        assertThat(receiveQos1(back, 2)).containsExactly("stored-before", "away-1");
        assertThat(back.ping()).isEmpty();
    }

    @Test
    void aSessionThatCannotBeLoadedIsRefusedWith0x88AndStaysStored() throws Exception {
        startBroker();
        leaveSubscribed("fragile", "f/#");
        publish("f/1", 1, "kept", 61);

        restart();
        store.loadGate = java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("store down"));
        var refused = client().connect(RawClient.v5("fragile", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        assertThat(refused.variableHeader().connectReturnCode().byteValue()).isEqualTo((byte) 0x88);
        publish("f/2", 1, "while-down", 62); // still routed to the stored session

        store.loadGate = java.util.concurrent.CompletableFuture.completedFuture(null);
        RawClient back = connect("fragile", false, true);
        assertThat(receiveQos1(back, 2)).containsExactly("kept", "while-down");
    }

    @Test
    void unacknowledgedMessagesAreResentWithDupAndTheSamePacketIds() throws Exception {
        startBroker();
        RawClient sub = connect("slow", false, false);
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "in/#", qos(2));
        publish("in/1", 1, "one", 11);
        publish("in/2", 2, "two", 12);
        MqttPublishMessage first = sub.expectPublish();
        MqttPublishMessage second = sub.expectPublish();
        sub.pubrec(second.variableHeader().packetId()); // QoS 2: released, PUBCOMP never sent
        sub.expect(MqttMessageType.PUBREL);
        await().atMost(Inbox.WAIT).until(() -> store.stored("slow").orElseThrow().messages().stream()
                .anyMatch(o -> o.phase() == Phase.RELEASED));

        restart();
        RawClient back = connect("slow", false, true);
        MqttPublishMessage again = back.expectPublish();
        assertThat(RawClient.text(again)).isEqualTo("one");
        assertThat(again.fixedHeader().isDup()).isTrue();
        assertThat(again.variableHeader().packetId()).isEqualTo(first.variableHeader().packetId());
        MqttMessage rel = back.expect(MqttMessageType.PUBREL); // not the PUBLISH again: it was received
        assertThat(RawClient.packetId(rel)).isEqualTo(second.variableHeader().packetId());
        back.puback(again.variableHeader().packetId());
        back.pubcomp(second.variableHeader().packetId());
        await().atMost(Inbox.WAIT).until(() -> store.stored("slow").orElseThrow().messages().isEmpty());
    }

    @Test
    void anInboundQos2MessageAwaitingPubrelIsNotRoutedTwiceAfterARestart() throws Exception {
        startBroker();
        RawClient sub = connect("watcher", false, false);
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "once", qos(1));
        RawClient pub = connect("sender", false, false);
        pub.publish("once", 2, "only-once", 7);
        pub.expect(MqttMessageType.PUBREC);
        sub.puback(sub.expectPublish().variableHeader().packetId());
        await().atMost(Inbox.WAIT).until(() -> store.stored("sender").orElseThrow().awaitingRel().contains(7));
        // The watcher's PUBACK stored too: else the restart finds the copy in flight and resends
        // it with DUP, which is right but not what this test is about.
        await().atMost(Inbox.WAIT).until(() -> store.stored("watcher").orElseThrow().messages().isEmpty());

        restart();
        RawClient watcher = connect("watcher", false, true);
        RawClient sender = connect("sender", false, true);
        sender.publish("once", 2, "only-once".getBytes(), 7, true, false, MqttProperties.NO_PROPERTIES); // resent, DUP
        assertThat(RawClient.packetId(sender.expect(MqttMessageType.PUBREC))).isEqualTo(7);
        sender.pubrel(7);
        assertThat(RawClient.packetId(sender.expect(MqttMessageType.PUBCOMP))).isEqualTo(7);
        assertThat(watcher.ping()).as("not delivered a second time").isEmpty();
        assertThat(store.stored("sender").orElseThrow().awaitingRel()).isEmpty();
    }

    @Test
    void aCleanStartAfterARestartDiscardsTheStoredSession() throws Exception {
        startBroker();
        leaveSubscribed("fresh", "old/#");
        publish("old/1", 1, "stale", 21);
        await().atMost(Inbox.WAIT).until(() -> store.stored("fresh").orElseThrow().messages().size() == 1);

        restart();
        RawClient back = connect("fresh", true, false);
        publish("old/2", 1, "not for you", 22);
        assertThat(back.ping()).isEmpty();
        StoredSession now = store.stored("fresh").orElseThrow(); // the new session (expiry 3600) is stored afresh
        assertThat(now.subscriptions()).isEmpty();
        assertThat(now.messages()).isEmpty();
    }

    @Test
    void aStoredSessionWhoseClientNeverReturnsExpires() throws Exception {
        startBroker();
        RawClient sub = client();
        sub.connect(RawClient.v5("leaver", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 1)).build());
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "x", qos(1));
        sub.disconnect(0, null);
        await().atMost(Inbox.WAIT).until(() -> store.stored("leaver").orElseThrow().disconnectedAt() > 0);

        restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.stored("leaver").isEmpty());
        assertThat(broker.broker().service().stats().sessionsExpired.sum()).isEqualTo(1);
        // Its subscription left the tree with it: nobody gets a message on "x" now.
        RawClient pub = client();
        pub.connect(RawClient.v5("late-pub", true, 60).build());
        pub.publish("x", 1, "late", 9);
        assertThat(RawClient.reasonCode(pub.expect(MqttMessageType.PUBACK))).isEqualTo(0x10);
    }

    @Test
    void aDelayedWillThatWasNotSentYetIsPublishedByTheNextBroker() throws Exception {
        startBroker();
        RawClient mortal = client();
        mortal.connect(RawClient.v5("mortal", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600))
                .willFlag(true).willTopic("wills/mortal").willMessage("gone".getBytes()).willQoS(MqttQoS.AT_LEAST_ONCE)
                .willProperties(RawClient.props(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL, 2)).build());
        await().atMost(Inbox.WAIT).until(() -> store.stored("mortal").map(s -> s.will() != null).orElse(false));

        restart(); // the connection drops with the old broker; its will waits out its delay in the store
        RawClient watcher = client();
        watcher.connect(RawClient.v5("watcher", true, 60).build());
        watcher.subscribe(1, MqttProperties.NO_PROPERTIES, "wills/#", qos(1));
        MqttPublishMessage will = watcher.expectPublish();
        assertThat(RawClient.text(will)).isEqualTo("gone");
        await().atMost(Inbox.WAIT).until(() -> store.stored("mortal").orElseThrow().will() == null);
    }

    /** created_at (the REST API's) is the session's creation, also after a restart restored it from the store. */
    @Test
    void aRestoredSessionKeepsItsCreationTime() throws Exception {
        startBroker();
        leaveSubscribed("old-timer", "t/#");
        long created = broker.broker().service().client("old-timer").orElseThrow().createdAt();
        await().atMost(Inbox.WAIT).until(() -> store.stored("old-timer").map(st -> st.createdAt() == created).orElse(false));
        restart();
        // Reconnecting later than the creation: only the stored time can give the old one back.
        await().atMost(Inbox.WAIT).until(() -> System.currentTimeMillis() > created + 5);
        connect("old-timer", false, true);
        assertThat(broker.broker().service().client("old-timer").orElseThrow().createdAt()).isEqualTo(created);
    }
}
