package io.perch.auth.testkit;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.perch.broker.testkit.RawClient;

import java.nio.charset.StandardCharsets;

/** CONNECT with credentials and the codes the broker answers, for the auth tests. */
public final class Connacks {
    private Connacks() {
    }

    /** The CONNACK's return code (v3) or reason code (v5) for a CONNECT with these credentials. */
    public static int connect(RawClient c, boolean v5, String clientId, String user, String password) {
        MqttMessageBuilders.ConnectBuilder b = v5 ? RawClient.v5(clientId, true, 60) : RawClient.v3(clientId, true, 60);
        if (user != null) {
            b.username(user);
        }
        if (password != null) {
            b.password(password.getBytes(StandardCharsets.UTF_8));
        }
        MqttConnAckMessage ack = c.connect(b.build());
        return ack.variableHeader().connectReturnCode().byteValue() & 0xff;
    }

    /** The SUBACK's code for one filter. */
    public static int subscribe(RawClient c, String filter) {
        MqttSubAckMessage ack = c.subscribe(1, filter, 1);
        return ack.payload().reasonCodes().get(0);
    }
}
