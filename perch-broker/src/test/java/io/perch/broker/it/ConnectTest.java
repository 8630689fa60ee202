package io.perch.broker.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CONNECT/CONNACK: return codes, client identifier rules, first-packet and keep-alive timers, anonymous access. */
class ConnectTest extends BrokerTest {

    private static int code(MqttConnAckMessage ack) {
        return ack.variableHeader().connectReturnCode().byteValue() & 0xff;
    }

    @Test
    void unknownProtocolLevelIsRefusedWithV3Code1AndClosed() {
        start();
        RawClient raw = clients.raw();
        // CONNECT "MQTT" level 6, clean session, keep alive 60, client id "x"
        raw.sendBytes(0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 6, 0x02, 0, 60, 0, 1, 'x');
        MqttConnAckMessage ack = raw.expect(MqttMessageType.CONNACK);
        assertThat(ack.variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        assertThat(raw.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void v3EmptyClientIdIsAcceptedWithCleanSessionOnly() throws Exception {
        start();
        MqttClient paho = clients.v3Client("", null);
        paho.connect(Clients.v3Options(true));
        assertThat(paho.isConnected()).isTrue();

        RawClient persistent = clients.raw();
        MqttConnAckMessage ack = persistent.connect(RawClient.v3("", false, 60).build());
        assertThat(ack.variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED); // 0x02, MQTT-3.1.3-8
        assertThat(persistent.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void v5EmptyClientIdGetsAnAssignedIdentifier() {
        start();
        Mqtt5BlockingClient c = Mqtt5Client.builder().serverHost("127.0.0.1").serverPort(broker.tcpPort()).buildBlocking();
        Mqtt5ConnAck ack = c.connect();
        try {
            String assigned = ack.getAssignedClientIdentifier().orElseThrow().toString();
            assertThat(assigned).isNotEmpty();
            assertThat(broker.broker().service().client(assigned)).isPresent();
        } finally {
            c.disconnect();
        }

        RawClient raw = clients.raw();
        MqttConnAckMessage rawAck = raw.connect(RawClient.v5("", true, 60).build());
        assertThat(code(rawAck)).isZero();
        Object id = RawClient.prop(rawAck.variableHeader().properties(), MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER);
        assertThat((String) id).isNotEmpty().isNotEqualTo(ack.getAssignedClientIdentifier().get().toString());
    }

    @Test
    void clientIdLongerThanMaxClientIdLenIsRejected() throws Exception {
        start(b -> b.maxClientIdLen(8));
        MqttClient ok = clients.v3Client("12345678", null);
        ok.connect(Clients.v3Options(true));
        assertThat(ok.isConnected()).isTrue();

        MqttClient tooLong = clients.v3Client("123456789", null);
        assertThatThrownBy(() -> tooLong.connect(Clients.v3Options(true)))
                .isInstanceOfSatisfying(MqttException.class,
                        e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_INVALID_CLIENT_ID));

        RawClient v5 = clients.raw();
        assertThat(code(v5.connect(RawClient.v5("123456789", true, 60).build()))).isEqualTo(0x85);
        assertThat(v5.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void socketThatNeverSendsConnectIsClosedAfterIdleTimeout() {
        start(b -> b.idleTimeout(Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        RawClient silent = clients.raw();
        assertThat(silent.awaitClosed(Duration.ofSeconds(3))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void silentV3ClientIsClosedAfterOneAndAHalfKeepAlivesAndItsWillIsPublished() throws Exception {
        start();
        Inbox wills = new Inbox();
        clients.v3("watcher", wills).subscribe("will/#", 1);
        RawClient silent = clients.raw();
        long t0 = System.nanoTime();
        MqttConnAckMessage ack = silent.connect(RawClient.v3("silent", true, 1)
                .willFlag(true).willTopic("will/silent").willMessage("gone".getBytes()).build());
        assertThat(code(ack)).isZero();
        assertThat(silent.awaitClosed(Duration.ofSeconds(4))).isTrue();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).isBetween(Duration.ofMillis(1300), Duration.ofMillis(3000));
        assertThat(wills.awaitText("gone").topic()).isEqualTo("will/silent");
    }

    @Test
    void silentV5ClientGetsDisconnectKeepAliveTimeout() {
        start();
        RawClient silent = clients.raw();
        assertThat(code(silent.connect(RawClient.v5("silent5", true, 1).build()))).isZero();
        MqttMessage d = silent.expect(MqttMessageType.DISCONNECT);
        assertThat(RawClient.reasonCode(d)).isEqualTo(0x8D);
        assertThat(silent.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }

    @Test
    void v5ServerKeepAliveIsAnnouncedAndEnforced() throws Exception {
        start(b -> b.serverKeepalive(1));
        var paho = clients.v5Client("paho5", null);
        IMqttToken token = paho.connectWithResult(Clients.v5Options(true));
        assertThat(token.getResponseProperties().getServerKeepAlive()).isEqualTo(1);

        // A client asking for no keep alive at all is still held to the server's.
        RawClient raw = clients.raw();
        MqttConnAckMessage ack = raw.connect(RawClient.v5("nokeepalive", true, 0).build());
        assertThat(RawClient.prop(ack.variableHeader().properties(), MqttPropertyType.SERVER_KEEP_ALIVE)).isEqualTo(1);
        assertThat(RawClient.reasonCode(raw.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x8D);

        // v3 has no server keep alive: a v3 client with keep alive 0 stays.
        RawClient v3 = clients.raw();
        assertThat(code(v3.connect(RawClient.v3("v3", true, 0).build()))).isZero();
        assertThat(raw.awaitClosed(Duration.ofSeconds(3))).isTrue();
        assertThat(v3.isOpen()).isTrue();
    }

    @Test
    void anonymousClientsAreRefusedWhenNotAllowed() {
        start(b -> b.allowAnonymous(false));
        MqttClient v3 = clients.v3Client("anon3", null);
        assertThatThrownBy(() -> v3.connect(Clients.v3Options(true)))
                .isInstanceOfSatisfying(MqttException.class,
                        e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));

        Mqtt5BlockingClient v5 = clients.hive("anon5", null);
        assertThatThrownBy(v5::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        assertThat(broker.broker().service().stats().authFailures.sum()).isEqualTo(2);
    }

    @Test
    void brokerShutdownTellsV5ClientsServerShuttingDown() {
        start();
        RawClient v5 = clients.raw();
        assertThat(code(v5.connect(RawClient.v5("bye5", true, 60).build()))).isZero();
        RawClient v3 = clients.raw();
        assertThat(code(v3.connect(RawClient.v3("bye3", true, 60).build()))).isZero();
        broker.close();
        assertThat(RawClient.reasonCode(v5.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x8B);
        assertThat(v5.awaitClosed(Duration.ofSeconds(3))).isTrue();
        assertThat(v3.awaitClosed(Duration.ofSeconds(3))).isTrue();
        assertThat(v3.drain()).isEmpty(); // v3 has no server DISCONNECT
    }
}
