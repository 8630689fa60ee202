package io.perch.auth.testkit;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.perch.broker.testkit.RawClient;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.AUTHENTICATION_DATA;
import static io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.AUTHENTICATION_METHOD;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client side of MQTT 5 SCRAM-SHA-256, written here from RFC 5802 with the JDK's own
 * PBKDF2 key factory (independent of the broker's code): CONNECT with the client-first
 * message, AUTH with the proof, and a check of the server's signature in the CONNACK.
 */
public final class ScramClient {
    private ScramClient() {
    }

    /** The client's half of one exchange; returns the CONNACK and checks the server's signature. */
    public static MqttConnAckMessage connect(RawClient c, String user, String connectUser, String password) throws Exception {
        String clientNonce = "fyko+d2lbbFgONRv9qkxdawL";
        String clientFirstBare = "n=" + user + ",r=" + clientNonce;
        MqttMessageBuilders.ConnectBuilder connect = RawClient.v5("scram-" + user, true, 60).properties(RawClient.props(
                AUTHENTICATION_METHOD, "SCRAM-SHA-256", AUTHENTICATION_DATA, ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8)));
        if (connectUser != null) {
            connect.username(connectUser);
        }
        c.send(connect.build());
        MqttMessage reply = c.next();
        if (reply.fixedHeader().messageType() == MqttMessageType.CONNACK) {
            return (MqttConnAckMessage) reply;
        }
        assertThat(reply.fixedHeader().messageType()).isEqualTo(MqttMessageType.AUTH);
        assertThat(RawClient.reasonCode(reply)).isEqualTo(0x18);
        String serverFirst = new String((byte[]) RawClient.prop(props(reply), AUTHENTICATION_DATA), StandardCharsets.UTF_8);
        Map<String, String> a = attrs(serverFirst);
        assertThat(a.get("r")).startsWith(clientNonce);
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(new PBEKeySpec(
                password.toCharArray(), Base64.getDecoder().decode(a.get("s")), Integer.parseInt(a.get("i")), 256)).getEncoded();
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        String withoutProof = "c=biws,r=" + a.get("r");
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        String clientFinal = withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
        c.send(MqttMessageBuilders.auth().reasonCode((byte) 0x18).properties(RawClient.props(
                AUTHENTICATION_METHOD, "SCRAM-SHA-256", AUTHENTICATION_DATA, clientFinal.getBytes(StandardCharsets.UTF_8))).build());
        MqttConnAckMessage ack = c.expect(MqttMessageType.CONNACK);
        if (ack.variableHeader().connectReturnCode().byteValue() == 0) {
            String serverFinal = new String((byte[]) RawClient.prop(ack.variableHeader().properties(), AUTHENTICATION_DATA),
                    StandardCharsets.UTF_8);
            byte[] serverKey = hmac(salted, "Server Key");
            assertThat(serverFinal).isEqualTo("v=" + Base64.getEncoder().encodeToString(hmac(serverKey, authMessage)));
        }
        return ack;
    }

    private static MqttProperties props(MqttMessage m) {
        return ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).properties();
    }

    private static Map<String, String> attrs(String m) {
        Map<String, String> out = new HashMap<>();
        for (String part : m.split(",")) {
            out.put(part.substring(0, 1), part.substring(2));
        }
        return out;
    }

    private static byte[] hmac(byte[] key, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }
}
