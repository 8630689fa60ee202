package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mqtt.max_keepalive}: v5 clients are told the cap, v3 clients are held to it. */
class KeepAliveCapTest extends BrokerTest {

    private static Object serverKeepAlive(MqttConnAckMessage ack) {
        return RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.SERVER_KEEP_ALIVE);
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
