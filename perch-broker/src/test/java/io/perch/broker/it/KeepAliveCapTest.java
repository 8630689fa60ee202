package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keep alive: a client silent for 1.5 times it is disconnected (v5 0x8D), one that talks is
 * not; {@code mqtt.max_keepalive}: v5 clients are told the cap, v3 clients are held to it.
 */
class KeepAliveCapTest extends BrokerTest {

    private static Object serverKeepAlive(MqttConnAckMessage ack) {
        return RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.SERVER_KEEP_ALIVE);
    }

    /**
     * Checked by the event loop's timers (one per loop, not a handler and a task per
     * connection): the silent client is told 0x8D and closed; the one that pings every 300 ms
     * for 1.5 times longer than its own timeout (keep alive 2 s, so 3 s) stays.
     */
    @Test
    void aSilentV5ClientIsToldKeepAliveTimeoutAndOneThatPingsStays() {
        start();
        RawClient silent = clients.raw();
        silent.connect(RawClient.v5("silent", true, 1).build());
        RawClient talking = clients.raw();
        talking.connect(RawClient.v5("talking", true, 2).build());
        long until = System.nanoTime() + Duration.ofMillis(4500).toNanos();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
            assertThat(talking.ping()).as("nothing but the PINGRESP").isEmpty();
            return System.nanoTime() - until > 0;
        });

        io.netty.handler.codec.mqtt.MqttMessage gone = silent.expect(io.netty.handler.codec.mqtt.MqttMessageType.DISCONNECT);
        assertThat(RawClient.reasonCode(gone)).isEqualTo(0x8D);
        assertThat(silent.awaitClosed(Duration.ofSeconds(5))).isTrue();
        assertThat(talking.isOpen()).isTrue();
        assertThat(broker.broker().service().client("talking").orElseThrow().connected()).isTrue();
    }

    /**
     * An event loop's timers start ticking with its first CONNECT, which may come long after
     * its first socket: that client keeps its keep alive. (The loop's clock was as old as the
     * first socket, and the first tick timed the client out at once.)
     */
    @Test
    void theFirstConnectOfALoopLongAfterItsFirstSocketKeepsItsKeepAlive() {
        start(b -> b.ioThreads(1));
        RawClient client = clients.raw(); // its socket makes the loop's timers; no CONNECT yet
        // The gap under test, longer than the keep-alive timeout below (1.5 s).
        org.awaitility.Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(client::isOpen);
        client.connect(RawClient.v5("late", true, 1).build());
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
            assertThat(client.ping()).as("nothing but the PINGRESP").isEmpty();
            return System.nanoTime() - until > 0;
        });
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void v5ClientsAskingForMoreOrForNoneGetTheCapAsServerKeepAlive() {
        start(b -> b.maxKeepalive(30));
        assertThat(serverKeepAlive(clients.raw().connect(RawClient.v5("long", true, 600).build()))).isEqualTo(30);
        assertThat(serverKeepAlive(clients.raw().connect(RawClient.v5("none", true, 0).build()))).isEqualTo(30);
        assertThat(serverKeepAlive(clients.raw().connect(RawClient.v5("short", true, 10).build()))).isNull();
        assertThat(serverKeepAlive(clients.raw().connect(RawClient.v5("exact", true, 30).build()))).isNull();
        assertThat(broker.broker().service().client("long").orElseThrow().keepAlive()).isEqualTo(30);
        assertThat(broker.broker().service().client("short").orElseThrow().keepAlive()).isEqualTo(10);
    }

    @Test
    void withoutACapClientsKeepTheirOwnKeepAlive() {
        start();
        assertThat(serverKeepAlive(clients.raw().connect(RawClient.v5("free", true, 0).build()))).isNull();
        assertThat(broker.broker().service().client("free").orElseThrow().keepAlive()).isZero();
        clients.raw().connect(RawClient.v3("free3", true, 65535).build());
        assertThat(broker.broker().service().client("free3").orElseThrow().keepAlive()).isEqualTo(65535);
    }

    @Test
    void serverKeepAliveAboveTheCapIsCapped() {
        start(b -> b.serverKeepalive(120).maxKeepalive(60));
        assertThat(serverKeepAlive(clients.raw().connect(RawClient.v5("both", true, 10).build()))).isEqualTo(60);
    }

    @Test
    void v3ClientsAskingForMoreOrForNoneAreHeldToTheCap() {
        start(b -> b.maxKeepalive(1));
        RawClient none = clients.raw();
        none.connect(RawClient.v3("none3", true, 0).build());
        RawClient longer = clients.raw();
        longer.connect(RawClient.v3("long3", true, 600).build());
        assertThat(broker.broker().service().client("none3").orElseThrow().keepAlive()).isEqualTo(1);
        // Silent for 1.5 x the cap: closed, though each asked for far longer (or none).
        assertThat(none.awaitClosed(Duration.ofSeconds(5))).isTrue();
        assertThat(longer.awaitClosed(Duration.ofSeconds(5))).isTrue();
    }
}
