package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.EnhancedAuthEvent;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import static io.perch.broker.testkit.RawClient.props;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5 enhanced authentication through the client.enhanced_authenticate hook: a two-step
 * challenge (CONNECT, AUTH 0x18 both ways, CONNACK), re-authentication (AUTH 0x19 -> AUTH 0x00)
 * and a wrong answer (CONNACK 0x87).
 */
class EnhancedAuthTest {
    private static final String METHOD = "X-CHALLENGE";
    private BrokerFixture broker;
    private RawClient client;

    /** The method: first step answers a challenge, the next succeeds only on the right response. */
    @BeforeEach
    void start() {
        broker = BrokerFixture.start(b -> { }, br -> br.hooks().register(HookPoints.CLIENT_ENHANCED_AUTH, 0, "x-challenge",
                (EnhancedAuthEvent e) -> {
                    if (!METHOD.equals(e.method())) {
                        return CompletableFuture.completedFuture(HookResult.ok());
                    }
                    EnhancedAuthEvent answer = e.initial()
                            ? e.answer(EnhancedAuthEvent.Result.CONTINUE, bytes("challenge"))
                            : Arrays.equals(e.data(), bytes("response"))
                            ? e.answer(EnhancedAuthEvent.Result.SUCCESS, bytes("welcome"))
                            : e.answer(EnhancedAuthEvent.Result.FAILURE, null);
                    return CompletableFuture.completedFuture(HookResult.stop(answer));
                }));
        client = RawClient.open(broker.tcpPort());
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static MqttMessage auth(int reason, String data) {
        return MqttMessageBuilders.auth().reasonCode((byte) reason)
                .properties(props(MqttPropertyType.AUTHENTICATION_METHOD, METHOD,
                        MqttPropertyType.AUTHENTICATION_DATA, bytes(data))).build();
    }

    private static String authData(MqttProperties p) {
        MqttProperties.MqttProperty<?> d = p.getProperty(MqttPropertyType.AUTHENTICATION_DATA.value());
        return d == null ? null : new String((byte[]) d.value(), StandardCharsets.UTF_8);
    }

    private void sendConnect() {
        client.send(RawClient.v5("auth-client", true, 30).properties(props(
                MqttPropertyType.AUTHENTICATION_METHOD, METHOD, MqttPropertyType.AUTHENTICATION_DATA, bytes("hello"))).build());
    }

    @Test
    void challengeResponseConnectsAndReauthenticates() {
        sendConnect();
        MqttMessage challenge = client.expect(MqttMessageType.AUTH);
        MqttReasonCodeAndPropertiesVariableHeader ch = (MqttReasonCodeAndPropertiesVariableHeader) challenge.variableHeader();
        assertThat(ch.reasonCode() & 0xff).isEqualTo(0x18);
        assertThat(authData(ch.properties())).isEqualTo("challenge");

        client.send(auth(0x18, "response"));
        MqttConnAckMessage connack = client.expect(MqttMessageType.CONNACK);
        assertThat(connack.variableHeader().connectReturnCode().byteValue()).isZero();
        assertThat(authData(connack.variableHeader().properties())).isEqualTo("welcome");

        client.send(auth(0x19, "response")); // re-authenticate on the live connection
        MqttMessage ok = client.expect(MqttMessageType.AUTH);
        assertThat(((MqttReasonCodeAndPropertiesVariableHeader) ok.variableHeader()).reasonCode()).isZero();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aWrongResponseIsRefused() {
        sendConnect();
        client.expect(MqttMessageType.AUTH);
        client.send(auth(0x18, "guess"));
        MqttConnAckMessage connack = client.expect(MqttMessageType.CONNACK);
        assertThat(connack.variableHeader().connectReturnCode().byteValue() & 0xff).isEqualTo(0x87);
        assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
    }
}
