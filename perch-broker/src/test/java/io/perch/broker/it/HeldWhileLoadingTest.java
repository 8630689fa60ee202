package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.perch.broker.cluster.Cluster;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionStore;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What is published to a stored session while its CONNECT loads it is held, and goes to the
 * loaded session after what the store had. A publisher's thread finds a session in the live
 * store without the client's lock and offers to it at once, so a message published the moment
 * the loaded session shows there must still come after the held ones. A cluster takeover holds
 * messages the same way; this order broke in `ClusterProcessTest`'s move test (ten held
 * messages delivered after a newer one).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeldWhileLoadingTest {
    private final MapPersistence store = new MapPersistence();
    private final List<RawClient> open = new ArrayList<>();
    private BrokerFixture broker;

    @AfterEach
    void stop() {
        open.forEach(RawClient::close);
        if (broker != null) {
            broker.close();
        }
    }

    private RawClient client() {
        RawClient c = RawClient.open(broker.tcpPort());
        open.add(c);
        return c;
    }

    private static MqttProperties keep() {
        return RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600);
    }

    @Test
    void aMessagePublishedAsTheLoadedSessionAppearsComesAfterWhatWasHeldForIt() throws Exception {
        broker = BrokerFixture.start(b -> { }, b -> { }, store);
        RawClient first = client();
        first.connect(RawClient.v5("keeper", false, 60).properties(keep()).build());
        first.subscribe(1, "f/#", 1);
        first.disconnect(0, null);
        broker.close();
        open.clear();

        // The broker again on the same store: the session is stored, not in memory.
        WatchedSessions sessions = new WatchedSessions();
        broker = BrokerFixture.start(b -> { }, b -> { }, store, new MemoryRetainedStore(), Cluster.NONE, sessions);
        store.loadReadsFirst = true;
        store.loadGate = new CompletableFuture<>();
        int loadsBefore = store.loads.get();
        RawClient back = client();
        back.send(RawClient.v5("keeper", false, 60).properties(keep()).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> store.loads.get() > loadsBefore);

        RawClient pub = client();
        pub.connect(RawClient.v5("pub", true, 60).build());
        pub.publish("f/x", 1, "held", 1);
        pub.expect(MqttMessageType.PUBACK); // stored for the session, and held for its load

        // The moment the loaded session shows in the live store, another thread publishes to it
        // and waits until that is done, as a publisher's event loop could.
        sessions.onPut = s -> {
            var service = broker.broker().service();
            CompletableFuture.runAsync(() -> service.publish(service.newMessage("f/x", "after".getBytes(), 1, false, "test"))
                            .toCompletableFuture().join())
                    .orTimeout(10, TimeUnit.SECONDS).join();
        };
        store.loadGate.complete(null);

        assertThat(back.<MqttConnAckMessage>expect(MqttMessageType.CONNACK).variableHeader().isSessionPresent()).isTrue();
        assertThat(sessions.puts).as("the load opened the session").isEqualTo(1);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            MqttPublishMessage p = back.expectPublish();
            back.puback(RawClient.packetId(p));
            got.add(RawClient.text(p));
        }
        assertThat(got).containsExactly("held", "after");
        assertThat(back.ping()).as("nothing else").isEmpty();
    }

    /** The in-memory store, with a hook run (once) right after the session "keeper" is put in. */
    private static final class WatchedSessions implements SessionStore {
        private final MemorySessionStore delegate = new MemorySessionStore();
        volatile Consumer<Session> onPut;
        volatile int puts;

        @Override
        public Session get(String clientId) {
            return delegate.get(clientId);
        }

        @Override
        public Session computeIfAbsent(String clientId, Function<String, Session> factory) {
            return delegate.computeIfAbsent(clientId, factory);
        }

        @Override
        public void put(Session session) {
            delegate.put(session);
            Consumer<Session> hook = onPut;
            if (hook != null && session.clientId().equals("keeper")) {
                puts++;
                onPut = null;
                hook.accept(session);
            }
        }

        @Override
        public boolean remove(Session session) {
            return delegate.remove(session);
        }

        @Override
        public Collection<Session> all() {
            return delegate.all();
        }

        @Override
        public int size() {
            return delegate.size();
        }
    }
}
