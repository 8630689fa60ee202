package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.persist.Change;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Nothing acknowledged is lost": a publisher's PUBACK / PUBREC goes out only once every
 * session a durable store keeps has the message there, in the order the PUBLISHes came, and a
 * message the store did not take is refused, never acknowledged. The store's answer is held
 * back with {@link MapPersistence#writeGate}; a PINGREQ shows what the broker had sent by then
 * (it answers after everything it had already written).
 */
class AckAfterStoreTest {
    private final MapPersistence store = new MapPersistence();
    private final List<RawClient> open = new ArrayList<>();
    private BrokerFixture broker;

    @BeforeEach
    void start() {
        broker = BrokerFixture.start(b -> { }, br -> { }, store);
        RawClient sub = client();
        sub.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "kept/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.EXACTLY_ONCE));
        sub.disconnect(0, null);
    }

    @AfterEach
    void stop() {
        open.forEach(RawClient::close);
        broker.close();
    }

    private RawClient client() {
        RawClient c = RawClient.open(broker.tcpPort());
        open.add(c);
        return c;
    }

    private RawClient publisherV5(String id, boolean persistent) {
        RawClient pub = client();
        var connect = RawClient.v5(id, !persistent, 60);
        if (persistent) {
            connect.properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600));
        }
        pub.connect(connect.build());
        return pub;
    }

    @Test
    void pubackWaitsForTheStoreAndKeepsPacketOrder() {
        RawClient pub = publisherV5("pub", false);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        pub.publish("kept/a", 1, "stored", 1);      // to a stored session: waits for the store
        pub.publish("nobody/here", 1, "no-one", 2); // no write of its own, but after packet 1
        assertThat(pub.ping()).as("nothing acknowledged before the store answered").isEmpty();

        gate.complete(null);
        MqttMessage first = pub.expect(MqttMessageType.PUBACK);
        MqttMessage second = pub.expect(MqttMessageType.PUBACK);
        assertThat(List.of(RawClient.packetId(first), RawClient.packetId(second))).containsExactly(1, 2);
        assertThat(RawClient.reasonCode(first)).isZero();
        assertThat(RawClient.reasonCode(second)).isEqualTo(0x10); // no matching subscribers
    }

    @Test
    void aMessageTheStoreDidNotTakeIsRefusedNotAcknowledged() {
        RawClient pub = publisherV5("pub", false);
        store.writeGate = CompletableFuture.failedFuture(new IllegalStateException("backlog full"));
        pub.publish("kept/a", 1, "lost?", 7);
        MqttMessage ack = pub.expect(MqttMessageType.PUBACK);
        assertThat(RawClient.packetId(ack)).isEqualTo(7);
        assertThat(RawClient.reasonCode(ack)).as("quota exceeded: try again later").isEqualTo(0x97);
        assertThat(broker.broker().service().stats().publishesNotStored.sum()).isEqualTo(1);
    }

    @Test
    void anMqtt3PublisherIsDisconnectedRatherThanAcknowledgedWhenTheStoreFails() {
        RawClient pub = client();
        pub.connect(RawClient.v3("pub3", true, 60).build());
        store.writeGate = CompletableFuture.failedFuture(new IllegalStateException("backlog full"));
        pub.publish("kept/a", 1, "lost?", 3);
        assertThat(pub.awaitClosed(Inbox.WAIT)).isTrue();
        assertThat(pub.drain()).noneMatch(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK);
    }

    /**
     * A QoS 2 message's copy for a stored session and the publisher's packet id are written in
     * one store group (one Redis write): a crash after the first and before the second would let
     * the client's resend (DUP, same id) be routed again, a second delivery.
     */
    @Test
    void aQos2MessageAndItsPacketIdAreWrittenInOneGroup() {
        RawClient pub = publisherV5("pub", true);
        pub.publish("kept/q2", 2, "once", 9);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBREC))).isEqualTo(9);

        assertThat(store.groups).anySatisfy(g -> {
            assertThat(g).anyMatch(c -> c instanceof Change.SessionMessageAdded a && a.clientId().equals("keeper"));
            assertThat(g).contains(new Change.AwaitingRelAdded("pub", 9));
        });
        assertThat(store.log).filteredOn(c -> c instanceof Change.AwaitingRelAdded).hasSize(1);
    }

    /**
     * A message.publish hook's own durable write made at once (a Redis rule's copy of the
     * message) belongs in the same group: kept without the packet id, a resend would store it twice.
     */
    @Test
    void aHookWriteMadeAtOnceForAQos2MessageJoinsItsGroup() {
        broker.broker().hooks().register(HookPoints.MESSAGE_PUBLISH, 100, "copy", (PublishEvent e) -> {
            e.writes().add(store.write(List.of(new Change.SessionSaved("copy-of-" + e.message().topic(), 5, 60, 0))));
            return CompletableFuture.completedFuture(HookResult.ok());
        });
        RawClient pub = publisherV5("pub", true);
        pub.publish("kept/q2", 2, "once", 9);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBREC))).isEqualTo(9);

        assertThat(store.groups).anySatisfy(g -> {
            assertThat(g).anyMatch(c -> c instanceof Change.SessionSaved s && s.clientId().equals("copy-of-kept/q2"));
            assertThat(g).contains(new Change.AwaitingRelAdded("pub", 9));
        });
    }

    /**
     * A PUBREL waits until the store has the released state, also when a reconnecting subscriber
     * gets it again: a client that got PUBREL may deliver the message, and a crash before the
     * write would bring the session back with the PUBLISH to resend (delivered twice).
     */
    @Test
    void aPubrelResentOnReconnectStillWaitsForTheStore() {
        RawClient sub = client();
        sub.connect(RawClient.v3("rel-sub", false, 60).build());
        sub.subscribe(1, "rel/#", 2);
        RawClient pub = publisherV5("pub", false);
        pub.publish("rel/a", 2, "x", 1);
        int id = RawClient.packetId(sub.expectPublish());
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        sub.pubrec(id);
        assertThat(sub.ping()).as("no PUBREL before the store has the released state").isEmpty();
        sub.close();

        RawClient again = client();
        assertThat(again.connect(RawClient.v3("rel-sub", false, 60).build()).variableHeader().isSessionPresent()).isTrue();
        assertThat(again.ping()).as("the resend waits for the same write").isEmpty();
        gate.complete(null);
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBREL))).isEqualTo(id);
    }

    /** The stored subscriber "keeper" back online, and a subscriber kept in memory only whose copy shows routing is done. */
    private RawClient[] keeperAndWatcher() {
        RawClient keeper = client();
        assertThat(keeper.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build())
                .variableHeader().isSessionPresent()).isTrue();
        RawClient watcher = client();
        watcher.connect(RawClient.v5("watcher", true, 60).build());
        watcher.subscribe(1, MqttProperties.NO_PROPERTIES, "kept/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.EXACTLY_ONCE));
        return new RawClient[] {keeper, watcher};
    }

    /**
     * A QoS 2 PUBLISH to a stored session goes out once the store has its packet id: a crash
     * before that write would bring the session back with the message under no id, sent again
     * under a new one (delivered twice). A QoS 1 PUBLISH sent meanwhile waits behind it, in order.
     */
    @Test
    void aQos2PublishToAStoredSessionWaitsUntilTheStoreHasItsPacketId() {
        RawClient[] clients = keeperAndWatcher();
        RawClient keeper = clients[0];
        RawClient watcher = clients[1];
        RawClient pub = publisherV5("pub", false);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        pub.publish("kept/q2", 2, "held", 1);
        pub.publish("kept/q1", 1, "behind", 2);
        assertThat(RawClient.text(watcher.expectPublish())).isEqualTo("held");
        assertThat(RawClient.text(watcher.expectPublish())).isEqualTo("behind");
        assertThat(keeper.ping()).as("no PUBLISH before the store has the packet id").isEmpty();

        gate.complete(null);
        MqttPublishMessage first = keeper.expectPublish();
        assertThat(RawClient.text(first)).isEqualTo("held");
        assertThat(first.fixedHeader().qosLevel()).isEqualTo(MqttQoS.EXACTLY_ONCE);
        assertThat(first.fixedHeader().isDup()).isFalse();
        assertThat(RawClient.text(keeper.expectPublish())).isEqualTo("behind");
        // The id the client got is the one the store has.
        int id = RawClient.packetId(first);
        assertThat(store.log).anyMatch(c -> c instanceof Change.SessionMessageUpdated u && u.clientId().equals("keeper")
                && u.packetId() == id && u.phase() == io.perch.broker.persist.Phase.SENT);
    }

    /** Only QoS 2 waits: a QoS 1 repeat is allowed, so its PUBLISH does not wait for the store. */
    @Test
    void aQos1PublishToAStoredSessionDoesNotWaitForTheStore() {
        RawClient keeper = keeperAndWatcher()[0];
        RawClient pub = publisherV5("pub", false);
        store.writeGate = new CompletableFuture<>();
        pub.publish("kept/q1", 1, "at once", 1);
        assertThat(RawClient.text(keeper.expectPublish())).isEqualTo("at once");
        assertThat(pub.ping()).as("the publisher still waits for the store").isEmpty();
    }

    /** A client that reconnects while its QoS 2 PUBLISH waits gets it once, after the store has the id. */
    @Test
    void aHeldQos2PublishGoesToTheNextConnectionOnceStored() {
        RawClient[] clients = keeperAndWatcher();
        RawClient pub = publisherV5("pub", false);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        pub.publish("kept/q2", 2, "held", 1);
        assertThat(RawClient.text(clients[1].expectPublish())).isEqualTo("held");
        assertThat(clients[0].ping()).isEmpty();
        clients[0].close();

        RawClient again = client();
        assertThat(again.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build())
                .variableHeader().isSessionPresent()).isTrue();
        assertThat(again.ping()).as("the resend waits for the same write").isEmpty();
        gate.complete(null);
        MqttPublishMessage resent = again.expectPublish();
        assertThat(RawClient.text(resent)).isEqualTo("held");
        assertThat(again.ping()).as("once").isEmpty();
    }

    /**
     * A packet id the store failed to take is written again, and only then is the PUBLISH sent;
     * what the session sends meanwhile waits behind it, in order.
     */
    @Test
    void aQos2PacketIdTheStoreFailedToTakeIsWrittenAgainBeforeThePublish() {
        RawClient[] clients = keeperAndWatcher();
        RawClient pub = publisherV5("pub", false);
        store.writeGate = CompletableFuture.failedFuture(new IllegalStateException("backlog full"));
        pub.publish("kept/q2", 2, "retried", 1);
        assertThat(RawClient.reasonCode(pub.expect(MqttMessageType.PUBREC))).isEqualTo(0x97);
        pub.publish("kept/q1", 1, "after", 2);
        assertThat(RawClient.reasonCode(pub.expect(MqttMessageType.PUBACK))).isEqualTo(0x97);
        assertThat(RawClient.text(clients[1].expectPublish())).isEqualTo("retried");
        assertThat(RawClient.text(clients[1].expectPublish())).isEqualTo("after");
        assertThat(clients[0].ping()).as("not sent under an id the store does not have, nor overtaken").isEmpty();
        long sentRecords = sentRecordsOf("keeper");

        store.writeGate = CompletableFuture.completedFuture(null);
        MqttPublishMessage p = clients[0].expectPublish(); // after the rewrite, a second later
        assertThat(RawClient.text(p)).isEqualTo("retried");
        assertThat(sentRecordsOf("keeper")).as("the id written again").isGreaterThan(sentRecords);
        assertThat(RawClient.text(clients[0].expectPublish())).isEqualTo("after");
        assertThat(clients[0].ping()).as("once").isEmpty();
    }

    private long sentRecordsOf(String clientId) {
        return store.log.stream().filter(c -> c instanceof Change.SessionMessageUpdated u
                && u.clientId().equals(clientId) && u.phase() == io.perch.broker.persist.Phase.SENT).count();
    }

    /**
     * The message is routed before the store answers, so a refused v3 QoS 2 publish keeps its id:
     * the client's resend (DUP, same id) is a duplicate, acknowledged once the store has the id,
     * not a second message for the subscribers (RedisFaultTest's Sentinel failover found that).
     */
    @Test
    void anMqtt3Qos2ResendAfterARefusalIsNotRoutedAgain() {
        refusedQos2(new IllegalStateException("WAIT: 0 of 1 replicas"));

        RawClient again = resendAcknowledged();
        again.pubrel(5);
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBCOMP))).isEqualTo(5);
        assertThat(storedFor("keeper")).as("routed once").isEqualTo(1);
        assertThat(keeperGets()).containsExactly("once");
    }

    /**
     * The first attempt's writes were dropped (past the backlog bound), not merely unconfirmed:
     * the subscriber's copy is not in the store. The resend routes the message again under its
     * first id, so the copy is written before the PUBREC, and the subscriber, which holds the
     * message already, still gets it once.
     */
    @Test
    void anMqtt3Qos2ResendAfterADroppedWriteStoresTheCopyBeforeItsPubrec() {
        droppedQos2();

        RawClient again = resendAcknowledged();
        assertThat(storedFor("keeper")).as("stored before the PUBREC").isEqualTo(1);
        assertThat(store.log).filteredOn(c -> c instanceof Change.SessionMessageAdded a && a.clientId().equals("keeper"))
                .as("written again under its seq, marked so: the store adds no second body reference")
                .map(c -> ((Change.SessionMessageAdded) c).again()).containsExactly(true);
        assertThat(store.stored("pub3q2").orElseThrow().awaitingRel()).containsExactly(5);
        again.pubrel(5);
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBCOMP))).isEqualTo(5);
        assertThat(keeperGets()).containsExactly("once");
    }

    /**
     * The same for a stored session this process does not hold (its client away since the
     * broker started): its copy lives only in the store, so without the second routing the
     * dropped write would have lost the message for it.
     */
    @Test
    void anMqtt3Qos2ResendAfterADroppedWriteStoresTheCopyOfASessionNotInMemory() {
        broker.close();
        open.clear();
        broker = BrokerFixture.start(b -> { }, br -> { }, store); // keeper is only in the store now
        droppedQos2();

        resendAcknowledged();
        assertThat(storedFor("keeper")).as("stored before the PUBREC").isEqualTo(1);
        assertThat(keeperGets()).containsExactly("once");
    }

    /** A second resend, once the copies are stored, is a plain duplicate: not routed a third time. */
    @Test
    void onceRoutedAgainAndStoredTheIdIsAPlainDuplicate() {
        store.dropFailed = true;
        refusedQos2(new IllegalStateException("backlog full"));

        RawClient again = resendAcknowledged();
        long adds = messagesQueuedFor("keeper");
        again.publish("kept/c", 2, ONCE, 5, true, false, MqttProperties.NO_PROPERTIES);
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBREC))).isEqualTo(5);
        assertThat(messagesQueuedFor("keeper")).as("not written a third time").isEqualTo(adds);
        assertThat(keeperGets()).containsExactly("once");
    }

    private static final byte[] ONCE = "once".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** An MQTT 3 persistent publisher's QoS 2 "once" (packet id 5) fails in the store: it is disconnected. */
    private void refusedQos2(Exception why) {
        RawClient pub = client();
        pub.connect(RawClient.v3("pub3q2", false, 60).build());
        store.writeGate = CompletableFuture.failedFuture(why);
        pub.publish("kept/c", 2, "once", 5);
        assertThat(pub.awaitClosed(Inbox.WAIT)).isTrue();
    }

    /** As {@link #refusedQos2}, with the writes dropped, not applied: the keeper's copy is not stored. */
    private void droppedQos2() {
        store.dropFailed = true;
        refusedQos2(new IllegalStateException("backlog full"));
        assertThat(storedFor("keeper")).as("the write was dropped").isZero();
    }

    /** The store answers again; the publisher comes back and resends with DUP: PUBREC 5. */
    private RawClient resendAcknowledged() {
        store.writeGate = CompletableFuture.completedFuture(null);
        RawClient again = client();
        again.connect(RawClient.v3("pub3q2", false, 60).build());
        again.publish("kept/c", 2, ONCE, 5, true, false, MqttProperties.NO_PROPERTIES);
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBREC))).isEqualTo(5);
        return again;
    }

    /** What the store holds for a client now. */
    private int storedFor(String clientId) {
        return store.stored(clientId).map(st -> st.messages().size()).orElse(0);
    }

    /** The keeper comes back: the texts of what it is sent, until nothing more comes. */
    private List<String> keeperGets() {
        RawClient keeper = client();
        keeper.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        List<String> got = new ArrayList<>();
        for (MqttMessage m : keeper.ping()) {
            if (m instanceof MqttPublishMessage p) {
                got.add(RawClient.text(p));
            }
        }
        return got;
    }

    /** v5 is told 0x97, which ends the exchange: the client may reuse the id, and that is a new message. */
    @Test
    void anMqtt5PacketIdRefusedWithQuotaExceededIsFreeForTheNextMessage() {
        RawClient pub = publisherV5("pub5q2", true);
        store.writeGate = CompletableFuture.failedFuture(new IllegalStateException("WAIT: 0 of 1 replicas"));
        pub.publish("kept/d", 2, "first", 6);
        assertThat(RawClient.reasonCode(pub.expect(MqttMessageType.PUBREC))).isEqualTo(0x97);

        store.writeGate = CompletableFuture.completedFuture(null);
        pub.publish("kept/d", 2, "second", 6);
        MqttMessage rec = pub.expect(MqttMessageType.PUBREC);
        assertThat(RawClient.reasonCode(rec)).isZero();
        assertThat(messagesQueuedFor("keeper")).as("the reused id is a new message").isEqualTo(2);
    }

    private long messagesQueuedFor(String clientId) {
        return store.log.stream()
                .filter(c -> c instanceof Change.SessionMessageAdded a && a.clientId().equals(clientId)).count();
    }

    @Test
    void qos2PubrecWaitsAndThePacketIdIsStoredAfterTheMessage() {
        RawClient pub = publisherV5("pub2", true);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        pub.publish("kept/b", 2, "once", 9);
        assertThat(pub.ping()).as("no PUBREC before the store answered").isEmpty();
        gate.complete(null);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBREC))).isEqualTo(9);

        // A store that has the id has the message: after a crash a resent PUBLISH is rightly a duplicate.
        List<Change> log = List.copyOf(store.log);
        int message = indexOf(log, c -> c instanceof Change.SessionMessageAdded a && a.clientId().equals("keeper"));
        int id = indexOf(log, c -> c instanceof Change.AwaitingRelAdded a && a.clientId().equals("pub2") && a.packetId() == 9);
        assertThat(message).isGreaterThanOrEqualTo(0);
        assertThat(id).isGreaterThan(message);

        pub.pubrel(9);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBCOMP))).isEqualTo(9);
        assertThat(store.stored("pub2").orElseThrow().awaitingRel()).isEmpty();
    }

    /**
     * The store answers on its own thread, racing the event loop that queues the
     * acknowledgement: a publisher that waits for each PUBACK before the next PUBLISH (as Paho's
     * synchronous client does) must get every one. An answer that came between the queue's two
     * looks at it once left the PUBACK waiting for a later completion that never came.
     */
    @Test
    void everyAcknowledgementGoesOutWhenTheStoreAnswersOnItsOwnThread() {
        java.util.concurrent.ExecutorService storeThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            store.completeOn = storeThread;
            RawClient pub = publisherV5("one-at-a-time", false);
            for (int i = 1; i <= 3000; i++) {
                int id = 1 + (i % 60000);
                pub.publish("kept/race", 1, "m" + i, id);
                MqttMessage ack = pub.poll(java.time.Duration.ofSeconds(5));
                assertThat(ack).as("PUBACK for publish %d", i).isNotNull();
                assertThat(RawClient.packetId(ack)).isEqualTo(id);
            }
        } finally {
            store.completeOn = null;
            storeThread.shutdownNow();
        }
    }

    private static int indexOf(List<Change> log, java.util.function.Predicate<Change> p) {
        for (int i = 0; i < log.size(); i++) {
            if (p.test(log.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
