package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.Broker;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.config.ListenerConfig;
import io.perch.broker.persist.Change;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker with stored sessions listens before it has read them all (a million take tens of
 * seconds): while the read is held back, a returning persistent client gets its session (the
 * CONNECT reads it itself), a clean start discards the stored one for good, and a publish waits
 * (a stored session the read has not reached yet must get it), then is acknowledged and kept.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RestoreWhileListeningTest {
    private final MapPersistence store = new MapPersistence();
    private final List<RawClient> open = new ArrayList<>();
    private Broker broker;

    @AfterEach
    void stop() {
        open.forEach(RawClient::close);
        store.restoreGate.complete(null);
        if (broker != null) {
            broker.stop();
        }
    }

    private RawClient client(int port) {
        RawClient c = RawClient.open(port);
        open.add(c);
        return c;
    }

    /** A broker on the store, started on another thread: it returns once it listens (the read may still go on). */
    private CompletableFuture<Void> startListening() {
        broker = new Broker(BrokerConfig.builder().nodeName("test@127.0.0.1")
                .listeners(List.of(ListenerConfig.tcp("127.0.0.1", 0))).sysInterval(Duration.ZERO).build(),
                new MemorySessionStore(), new MemoryRetainedStore(), store);
        CompletableFuture<Void> started = CompletableFuture.runAsync(broker::start);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.port("tcp") > 0);
        return started;
    }

    private static MqttProperties keep() {
        return RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600);
    }

    private void storeSession(BrokerFixture first, String id, String filter) {
        RawClient c = client(first.tcpPort());
        c.connect(RawClient.v5(id, true, 60).properties(keep()).build());
        c.subscribe(1, MqttProperties.NO_PROPERTIES, filter, MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE));
        c.disconnect(0, null);
    }

    private record Restarting(long floor, CompletableFuture<Void> started) {
    }

    /**
     * A stored session on {@code kept/#}, then a broker listening while its read is held back,
     * with the store's clock floor an hour ahead of the wall clock (the clock stepped back).
     */
    private Restarting restartWithTheClockBehindTheStore() {
        try (BrokerFixture first = BrokerFixture.start(b -> { }, b -> { }, store)) {
            storeSession(first, "dormant", "kept/#");
        }
        long floor = (System.currentTimeMillis() + 3_600_000L) * 1000;
        store.clockFloor = floor;
        store.restoreGate = new CompletableFuture<>();
        return new Restarting(floor, startListening());
    }

    /** The bodies the store was given for these topics. */
    private List<io.perch.broker.message.Message> addedOn(String... topics) {
        List<String> wanted = List.of(topics);
        return store.log.stream().filter(c -> c instanceof Change.MessageAdded)
                .map(c -> ((Change.MessageAdded) c).message())
                .filter(m -> wanted.contains(m.topic())).toList();
    }

    /**
     * A PUBLISH that comes while the stored sessions are read gets its message id once the
     * store's clock floor is applied: with the wall clock behind the store (it stepped back while
     * the broker was down), an id from the clock could be a stored body's.
     */
    @Test
    void aPublishDuringTheReadGetsAnIdAboveTheStoresClockFloor() throws Exception {
        Restarting r = restartWithTheClockBehindTheStore();
        long floor = r.floor();
        CompletableFuture<Void> started = r.started();
        RawClient pub = client(broker.port("tcp"));
        pub.connect(RawClient.v5("pub", true, 60).build());
        pub.publish("kept/a", 1, "during the read", 1);
        assertThat(pub.ping()).as("waits for the read").isEmpty();

        store.restoreGate.complete(null);
        started.get(10, TimeUnit.SECONDS);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBACK))).isEqualTo(1);
        assertThat(addedOn("kept/a")).singleElement().satisfies(m -> assertThat(m.id().timestampMicros()).isGreaterThan(floor));
        assertThat(store.stored("dormant").orElseThrow().messages()).singleElement()
                .satisfies(o -> assertThat(o.seq() >> io.perch.broker.session.Seqs.WRITER_BITS).isGreaterThan(floor));
    }

    /**
     * A will and an API publish made while the stored sessions are read take their ids from the
     * clock before the floor is known; once the read is over they are published under new ids
     * above it (before, they kept ids that could be a stored body's).
     */
    @Test
    void aWillAndAnApiPublishDuringTheReadGetIdsAboveTheStoresClockFloor() throws Exception {
        Restarting r = restartWithTheClockBehindTheStore();
        long floor = r.floor();
        CompletableFuture<Void> started = r.started();
        RawClient leaving = client(broker.port("tcp"));
        leaving.connect(RawClient.v5("leaving", true, 60).willFlag(true).willTopic("kept/will")
                .willMessage("gone".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .willQoS(MqttQoS.AT_LEAST_ONCE).build());
        leaving.close(); // no DISCONNECT: the will goes
        var service = broker.service();
        CompletableFuture<Integer> api = service.publish(service.newMessage("kept/api",
                "from the API".getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false, "http_api"))
                .toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.service().client("leaving").isEmpty());
        assertThat(api).as("waits for the read").isNotDone();

        store.restoreGate.complete(null);
        started.get(10, TimeUnit.SECONDS);
        assertThat(api.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(store.stored("dormant").orElseThrow().messages()).hasSize(2));
        assertThat(addedOn("kept/will", "kept/api")).hasSize(2).allSatisfy(m -> assertThat(m.id().timestampMicros()).isGreaterThan(floor));
    }

    @Test
    void clientsConnectWhileStoredSessionsAreReadAndPublishesWaitForThem() throws Exception {
        try (BrokerFixture first = BrokerFixture.start(b -> { }, b -> { }, store)) {
            storeSession(first, "dormant", "kept/#");
            storeSession(first, "back", "back/#");
            storeSession(first, "fresh", "fresh/#");
        }
        store.restoreGate = new CompletableFuture<>();
        CompletableFuture<Void> started = startListening();
        int port = broker.port("tcp");

        RawClient back = client(port);
        assertThat(back.connect(RawClient.v5("back", false, 60).properties(keep()).build())
                .variableHeader().isSessionPresent()).as("read by its own CONNECT").isTrue();
        RawClient fresh = client(port);
        assertThat(fresh.connect(RawClient.v5("fresh", true, 60).build()).variableHeader().isSessionPresent()).isFalse();
        RawClient pub = client(port);
        pub.connect(RawClient.v5("pub", true, 60).build());
        pub.publish("kept/a", 1, "for the dormant one", 1);
        assertThat(pub.ping()).as("no PUBACK while the stored sessions are being read").isEmpty();
        assertThat(started).isNotDone();

        store.restoreGate.complete(null);
        started.get(10, TimeUnit.SECONDS);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBACK))).isEqualTo(1);
        assertThat(store.load("dormant").toCompletableFuture().get(5, TimeUnit.SECONDS).orElseThrow().messages())
                .as("kept for the stored session the read reached after the publish came").hasSize(1);
        assertThat(store.has("fresh")).as("a clean start discards it; the read does not bring it back").isFalse();
        assertThat(broker.service().client("fresh")).isPresent();

        pub.publish("back/b", 1, "live", 2);
        assertThat(RawClient.text(back.expectPublish())).isEqualTo("live");
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBACK))).isEqualTo(2);
        pub.publish("fresh/c", 1, "nobody", 3);
        assertThat(RawClient.reasonCode(pub.expect(MqttMessageType.PUBACK))).as("no subscriber left").isEqualTo(0x10);
        assertThat(fresh.ping()).isEmpty();
    }

    /**
     * A CONNECT that reads its session while the broker still reads all of them, slowly: the
     * broker's read reaches the same session meanwhile and publishes go on; what is routed to
     * it before the CONNECT's own read answers (which read the store before that) is held for
     * the loaded session, as for any load, not only written to the store.
     */
    @Test
    void aMessageRoutedWhileAnEarlyConnectStillLoadsReachesTheLoadedSession() throws Exception {
        try (BrokerFixture first = BrokerFixture.start(b -> { }, b -> { }, store)) {
            storeSession(first, "slow", "slow/#");
        }
        store.restoreGate = new CompletableFuture<>();
        store.loadGate = new CompletableFuture<>();
        store.loadReadsFirst = true;
        CompletableFuture<Void> started = startListening();
        int port = broker.port("tcp");

        RawClient slow = client(port);
        CompletableFuture<Boolean> present = CompletableFuture.supplyAsync(() -> slow.connect(
                RawClient.v5("slow", false, 60).properties(keep()).build()).variableHeader().isSessionPresent());
        await().atMost(Duration.ofSeconds(10)).until(() -> store.loads.get() == 1);
        store.restoreGate.complete(null);
        started.get(10, TimeUnit.SECONDS);
        RawClient pub = client(port);
        pub.connect(RawClient.v5("pub", true, 60).build());
        pub.publish("slow/a", 1, "while it loads", 1);
        assertThat(RawClient.packetId(pub.expect(MqttMessageType.PUBACK))).isEqualTo(1);

        store.loadGate.complete(null);
        assertThat(present.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(RawClient.text(slow.expectPublish())).isEqualTo("while it loads");
    }

    /**
     * A session that expired while the broker was down, whose client CONNECTs before the
     * broker's read reached it: the CONNECT reads it itself and finds it expired, so the client
     * starts afresh (session present 0) and the store deletes it, as the read would have.
     */
    @Test
    void aSessionThatExpiredWhileTheBrokerWasDownIsNotResumedByAnEarlyConnect() throws Exception {
        long left;
        try (BrokerFixture first = BrokerFixture.start(b -> { }, b -> { }, store)) {
            RawClient c = client(first.tcpPort());
            c.connect(RawClient.v5("brief", true, 60)
                    .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 1)).build());
            c.subscribe(1, MqttProperties.NO_PROPERTIES, "brief/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE));
            c.disconnect(0, null);
            left = System.currentTimeMillis();
        }
        // The expiry interval must pass: that is the subject, not a wait for a result.
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > left + 1_100);
        store.restoreGate = new CompletableFuture<>();
        CompletableFuture<Void> started = startListening();

        RawClient again = client(broker.port("tcp"));
        assertThat(again.connect(RawClient.v5("brief", false, 60).properties(keep()).build())
                .variableHeader().isSessionPresent()).isFalse();
        store.restoreGate.complete(null);
        started.get(10, TimeUnit.SECONDS);
        assertThat(broker.service().stats().sessionsExpired.sum()).isEqualTo(1);
        assertThat(broker.service().routes()).as("its subscription went with it").isEmpty();
    }
}
