package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.cluster.Forward;
import io.perch.broker.cluster.InboxPosition;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.persist.Change;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.OneNodeCluster;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In a cluster, an inbox entry a node delivered and had not yet acknowledged when it died is
 * read again (by its restart, or by the node that reaps it). A session that took the entry
 * already must not take it again: for QoS 2 that would be a second delivery of a message the
 * client may have completed. The broker here is one node of a cluster stand-in whose inbox the
 * test plays ({@link OneNodeCluster}): it hands forwards in with their inbox positions, as the
 * Redis inbox does.
 *
 * <p>Also here: a dead node's inbox, delivered to the sessions this node took over from it,
 * comes before what was published to them meanwhile.
 */
class ForwardedOnceTest {
    private static final String INBOX = "test@127.0.0.1";

    private final MapPersistence store = new MapPersistence();
    private final List<RawClient> open = new ArrayList<>();
    private OneNodeCluster node;
    private BrokerFixture broker;
    private long ids;

    @AfterEach
    void stop() {
        open.forEach(RawClient::close);
        if (broker != null) {
            broker.close();
        }
    }

    private void startBroker() {
        node = new OneNodeCluster(INBOX);
        broker = BrokerFixture.start(b -> { }, b -> { }, store, new MemoryRetainedStore(), node);
    }

    private void restart() {
        open.forEach(RawClient::close);
        open.clear();
        broker.close();
        startBroker();
    }

    private RawClient keeper(boolean present) {
        RawClient c = RawClient.open(broker.tcpPort());
        open.add(c);
        assertThat(c.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build())
                .variableHeader().isSessionPresent()).isEqualTo(present);
        return c;
    }

    /** Hands in a QoS 2 message as the inbox would, read at {@code entryId}; waits until it is stored. */
    private void forward(String text, String entryId) throws Exception {
        Message m = new Message(new MessageId(7, ++ids), "f/x", text.getBytes(), 2, false, "elsewhere", null, 0, 0,
                PublishProperties.NONE);
        node.inbound().deliver(new Forward(m, true, List.of(), InboxPosition.of(INBOX, entryId)))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** Receives one QoS 2 message and completes its exchange; returns its text. */
    private static String receive(RawClient c) {
        MqttPublishMessage p = c.expectPublish();
        int id = RawClient.packetId(p);
        c.pubrec(id);
        c.expect(MqttMessageType.PUBREL);
        c.pubcomp(id);
        assertThat(c.ping()).as("nothing else").isEmpty(); // and the PUBCOMP was handled
        return RawClient.text(p);
    }

    private RawClient subscribedKeeper() {
        RawClient k = keeper(false);
        k.subscribe(1, MqttProperties.NO_PROPERTIES, "f/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.EXACTLY_ONCE));
        return k;
    }

    /**
     * The publishing node routed a message again under its first id (an MQTT 3 QoS 2 resend
     * after its writes failed), in a new inbox entry: a session here that holds it writes it to
     * the store again, and neither it nor one that completed it gets it a second time.
     */
    @Test
    void aMessageForwardedAgainIsNotDeliveredTwice() throws Exception {
        startBroker();
        RawClient k = subscribedKeeper();
        Message m = new Message(new MessageId(7, ++ids), "f/x", "one".getBytes(), 2, false, "elsewhere", null, 0, 0,
                PublishProperties.NONE);
        node.inbound().deliver(new Forward(m, true, List.of(), InboxPosition.of(INBOX, "1700000000000-0")))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        MqttPublishMessage p = k.expectPublish(); // held by the session until its PUBREC
        long adds = store.log.stream().filter(c -> c instanceof Change.SessionMessageAdded).count();

        node.inbound().deliver(new Forward(m, true, List.of(), InboxPosition.of(INBOX, "1700000000000-1"), true))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(store.log.stream().filter(c -> c instanceof Change.SessionMessageAdded).count())
                .as("written again").isEqualTo(adds + 1);
        assertThat(k.ping()).as("not sent again").isEmpty();
        int id = RawClient.packetId(p);
        k.pubrec(id);
        k.expect(MqttMessageType.PUBREL);
        k.pubcomp(id);
        assertThat(k.ping()).isEmpty();

        node.inbound().deliver(new Forward(m, true, List.of(), InboxPosition.of(INBOX, "1700000000000-2"), true))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(k.ping()).as("completed: not taken again").isEmpty();
        forward("two", "1700000000000-3");
        assertThat(receive(k)).isEqualTo("two");
    }

    @Test
    void anEntryReadAgainIsNotDeliveredTwiceToAConnectedSession() throws Exception {
        startBroker();
        RawClient k = subscribedKeeper();
        forward("one", "1700000000000-0");
        assertThat(receive(k)).isEqualTo("one");

        forward("one", "1700000000000-0"); // read again: the node's XACK had not happened
        forward("two", "1700000000000-1");
        assertThat(receive(k)).isEqualTo("two");
        assertThat(k.ping()).isEmpty();
        assertThat(store.log).contains(new Change.ForwardMarked("keeper", INBOX, "1700000000000-1"));
    }

    @Test
    void anEntryCompletedBeforeARestartIsNotDeliveredAgainAfterIt() throws Exception {
        startBroker();
        RawClient k = subscribedKeeper();
        forward("one", "1700000000000-5");
        assertThat(receive(k)).isEqualTo("one");
        k.disconnect(0, null);

        restart();
        // Read again while the session is stored and not in memory, then once it is back.
        forward("one", "1700000000000-5");
        RawClient back = keeper(true);
        forward("one", "1700000000000-5");
        forward("three", "1700000000001-0");
        assertThat(receive(back)).isEqualTo("three");
        assertThat(back.ping()).isEmpty();
    }

    @Test
    void entriesAfterTheMarkAreDeliveredToASessionNotInMemory() throws Exception {
        startBroker();
        RawClient k = subscribedKeeper();
        forward("one", "1700000000000-5");
        assertThat(receive(k)).isEqualTo("one");
        k.disconnect(0, null);

        restart();
        forward("one", "1700000000000-5");
        forward("two", "1700000000000-6");
        forward("two", "1700000000000-6");
        RawClient back = keeper(true);
        assertThat(receive(back)).isEqualTo("two");
        assertThat(back.ping()).isEmpty();
    }

    /**
     * A dead node's sessions are taken over here and routed to at once; what its inbox still
     * held is delivered to them afterwards. It was published first, so it loads first.
     */
    @Test
    void aDeadNodesInboxLoadsBeforeWhatWasPublishedMeanwhile() throws Exception {
        startBroker();
        RawClient k = subscribedKeeper();
        k.disconnect(0, null);
        restart(); // the session is in the store, not in memory, as a dead node's is here
        var dormant = store.restore().toCompletableFuture().get(5, TimeUnit.SECONDS).stream()
                .filter(d -> d.clientId().equals("keeper")).toList();
        node.inbound().adopt("dead@127.0.0.1", 100, dormant);

        RawClient pub = RawClient.open(broker.tcpPort());
        open.add(pub);
        pub.connect(RawClient.v5("pub", true, 60).build());
        pub.publish("f/x", 2, "published meanwhile", 1);
        pub.expect(MqttMessageType.PUBREC);
        Message old = new Message(new MessageId(7, ++ids), "f/x", "from the dead inbox".getBytes(), 2, false,
                "elsewhere", null, 0, 0, PublishProperties.NONE);
        node.inbound().deliver(new Forward(old, true, List.of(), InboxPosition.of("dead@127.0.0.1", "1700000000000-0")))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);

        RawClient back = keeper(true);
        String first = RawClient.text(back.expectPublish());
        String second = RawClient.text(back.expectPublish());
        assertThat(List.of(first, second)).containsExactly("from the dead inbox", "published meanwhile");
    }

    /**
     * A dead node's inbox held what was forwarded for its own subscribers. This node's own
     * subscribers of the same topic had those messages through this node's inbox, so a drained
     * entry reaches only the sessions taken over from the dead node.
     */
    @Test
    void aDeadNodesInboxReachesOnlyTheSessionsTakenOverFromIt() throws Exception {
        startBroker();
        subscribedKeeper().disconnect(0, null);
        restart();
        var dormant = store.restore().toCompletableFuture().get(5, TimeUnit.SECONDS).stream()
                .filter(d -> d.clientId().equals("keeper")).toList();
        RawClient local = RawClient.open(broker.tcpPort());
        open.add(local);
        local.connect(RawClient.v5("local", true, 60).build());
        local.subscribe(1, MqttProperties.NO_PROPERTIES, "f/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.EXACTLY_ONCE));
        node.inbound().adopt("dead@127.0.0.1", 100, dormant);

        Message old = new Message(new MessageId(7, ++ids), "f/x", "from the dead inbox".getBytes(), 2, false,
                "elsewhere", null, 0, 0, PublishProperties.NONE);
        node.inbound().deliver(new Forward(old, true, List.of(), InboxPosition.of("dead@127.0.0.1", "1700000000000-0")))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        node.inbound().deliver(new Forward(new Message(new MessageId(7, ++ids), "f/x", "from another inbox".getBytes(), 2,
                false, "elsewhere", null, 0, 0, PublishProperties.NONE), true, List.of(),
                InboxPosition.of("gone@127.0.0.1", "1700000000000-0"))).toCompletableFuture().get(5, TimeUnit.SECONDS);
        forward("for this node", "1700000000001-0");

        assertThat(receive(local)).as("its own copy came through this node's inbox").isEqualTo("for this node");
        RawClient back = keeper(true);
        String first = RawClient.text(back.expectPublish());
        String second = RawClient.text(back.expectPublish());
        assertThat(List.of(first, second)).containsExactly("from the dead inbox", "for this node");
        assertThat(back.ping()).as("nothing else").isEmpty();
    }

    /**
     * The client of a session on a node that died comes back here before this node reaped that
     * node: its CONNECT waits for the reap, claims the client from the dead node and loads the
     * session from the store. What is routed to the adopted session while the load reads is held
     * for the loaded session, as for any load (found in long node-kill runs on a Redis Cluster:
     * about a thousand QoS 2 messages written meanwhile reached the store but not the client).
     */
    @Test
    void whatComesWhileAnAdoptedSessionLoadsReachesItsClient() throws Exception {
        startBroker();
        subscribedKeeper().disconnect(0, null);
        store.restoreLeavesOut.add("keeper"); // the dead node's session: not this node's at its start
        restart();
        comeBackWhileTheReapRuns(true);
    }

    /** As above, with the session known here already when the reap adopts it again (a reap tried again). */
    @Test
    void anAdoptionAgainKeepsWhatALoadingSessionHolds() throws Exception {
        startBroker();
        subscribedKeeper().disconnect(0, null);
        restart();
        comeBackWhileTheReapRuns(false);
    }

    private void comeBackWhileTheReapRuns(boolean claimsFromTheDeadNode) throws Exception {
        node.ownedByDeadNode("keeper", "dead@127.0.0.1");
        store.loadReadsFirst = true;
        store.loadGate = new java.util.concurrent.CompletableFuture<>();
        int loadsBefore = store.loads.get();

        RawClient back = RawClient.open(broker.tcpPort());
        open.add(back);
        back.send(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        if (claimsFromTheDeadNode) {
            // The CONNECT finds the dead node named as the owner and waits for the reap.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> node.claimsLost() > 0);
        } else {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> store.loads.get() > loadsBefore);
        }
        node.inbound().adopt("dead@127.0.0.1", 100, store.dormant("keeper"));
        node.reaped("dead@127.0.0.1");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> store.loads.get() > loadsBefore);
        forward("while it loads", "1700000000002-0");
        store.loadGate.complete(null);

        assertThat(back.<io.netty.handler.codec.mqtt.MqttConnAckMessage>expect(MqttMessageType.CONNACK)
                .variableHeader().isSessionPresent()).isTrue();
        assertThat(receive(back)).isEqualTo("while it loads");
        assertThat(node.claimsLost()).isEqualTo(claimsFromTheDeadNode ? 1 : 0);
    }
}
