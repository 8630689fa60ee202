package io.perch.broker.it;

import io.perch.broker.config.ListenerConfig;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.LogCapture;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * node.max_connections across listeners and a listener's max_connections: a connection past
 * either is closed at once, counted by reason, and each limit logs once when it starts refusing
 * and once when it accepts again.
 */
class ConnectionLimitTest extends BrokerTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(3);

    @Test
    void nodeLimitCountsAllListenersAndRefusesPastIt() {
        start(b -> b.maxConnections(3));
        BrokerStats stats = broker.broker().service().stats();
        try (LogCapture log = new LogCapture()) {
            List<RawClient> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                RawClient c = clients.track(RawClient.open(i < 2 ? broker.tcpPort() : broker.wsPort()));
                if (i < 2) {
                    c.connect(RawClient.v3("in-" + i, true, 60).build());
                } // the WebSocket one holds its place before any upgrade
                open.add(c);
            }
            // The broker accepts asynchronously: the raw WebSocket socket must hold its place
            // before the next connection races it for the last one.
            await().atMost(PROMPTLY).until(() -> broker.broker().nodeConnections().open() == 3);
            for (int i = 0; i < 5; i++) {
                RawClient refused = clients.track(RawClient.open(i % 2 == 0 ? broker.tcpPort() : broker.wsPort()));
                assertThat(refused.awaitClosed(PROMPTLY)).as("closed at once").isTrue();
            }
            assertThat(stats.connectionsRefusedNodeLimit.sum()).isEqualTo(5);
            assertThat(open).allMatch(RawClient::isOpen);
            assertThat(open.get(1).ping()).isEmpty(); // earlier clients are still served
            assertThat(log.infoAndAbove()).filteredOn(l -> l.contains("node.max_connections"))
                    .containsExactly("WARN node.max_connections 3 reached: refusing new connections");

            open.get(0).close();
            await().atMost(PROMPTLY).until(() -> broker.broker().nodeConnections().open() == 2);
            RawClient again = clients.track(RawClient.open(broker.tcpPort()));
            again.connect(RawClient.v3("again", true, 60).build());
            assertThat(log.infoAndAbove()).filteredOn(l -> l.contains("node.max_connections")).containsExactly(
                    "WARN node.max_connections 3 reached: refusing new connections",
                    "INFO node.max_connections 3: accepting new connections again");
        }
        assertThat(broker.broker().nodeConnections().open()).isEqualTo(3);
    }

    @Test
    void listenerLimitRefusesOnThatListenerOnly() {
        start(b -> b.listeners(List.of(
                new ListenerConfig("tcp:external", "tcp", "127.0.0.1", 0, null, null, null, null, false, 1),
                ListenerConfig.ws("127.0.0.1", 0, "/mqtt"))));
        BrokerStats stats = broker.broker().service().stats();
        try (LogCapture log = new LogCapture()) {
            clients.track(RawClient.open(broker.tcpPort())).connect(RawClient.v3("first", true, 60).build());
            for (int i = 0; i < 3; i++) {
                assertThat(clients.track(RawClient.open(broker.tcpPort())).awaitClosed(PROMPTLY)).isTrue();
            }
            clients.track(RawClient.open(broker.wsPort())); // the other listener is not limited
            assertThat(stats.connectionsRefusedListenerLimit.sum()).isEqualTo(3);
            assertThat(stats.connectionsRefusedNodeLimit.sum()).isZero();
            assertThat(log.infoAndAbove()).filteredOn(l -> l.contains("max_connections"))
                    .containsExactly("WARN listener tcp:external max_connections 1 reached: refusing new connections");
        }
    }

    @Test
    void perAddressLimitRefusesAnAddressPastItAndLogsItOnce() {
        start(b -> b.listeners(List.of(ListenerConfig.tcp("127.0.0.1", 0).withLimits(2, 0))));
        BrokerStats stats = broker.broker().service().stats();
        try (LogCapture log = new LogCapture()) {
            List<RawClient> open = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                RawClient c = clients.track(RawClient.open(broker.tcpPort()));
                c.connect(RawClient.v3("ip-" + i, true, 60).build());
                open.add(c);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(clients.track(RawClient.open(broker.tcpPort())).awaitClosed(PROMPTLY)).isTrue();
            }
            assertThat(stats.connectionsRefusedPerIpLimit.sum()).isEqualTo(3);
            assertThat(log.infoAndAbove()).filteredOn(l -> l.contains("max_conn_per_ip")).hasSize(1)
                    .allMatch(l -> l.contains("127.0.0.1"));
            open.get(0).close();
            await().atMost(PROMPTLY).until(() -> {
                RawClient c = clients.track(RawClient.open(broker.tcpPort()));
                return !c.awaitClosed(Duration.ofMillis(300));
            });
        }
    }

    @Test
    void rateLimitClosesConnectionsOverItsRatePerSecond() {
        start(b -> b.listeners(List.of(ListenerConfig.tcp("127.0.0.1", 0).withLimits(0, 1))));
        BrokerStats stats = broker.broker().service().stats();
        for (int i = 0; i < 4; i++) {
            clients.track(RawClient.open(broker.tcpPort()));
        }
        // Four connections within milliseconds span at most two one-second windows: two get in at most.
        await().atMost(PROMPTLY).until(() -> stats.connectionsRefusedRateLimit.sum() >= 2);
    }
}
