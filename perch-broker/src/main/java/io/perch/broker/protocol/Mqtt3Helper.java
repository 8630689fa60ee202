package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;

import java.util.List;

/** MQTT 3.1 and 3.1.1: return codes only on CONNACK and SUBACK, no DISCONNECT from the server. */
final class Mqtt3Helper implements ProtocolHelper {
    static final Mqtt3Helper INSTANCE = new Mqtt3Helper();

    @Override
    public boolean isV5() {
        return false;
    }

    @Override
    public MqttMessage connack(int reason, boolean sessionPresent, MqttProperties properties) {
        // MQTT-3.2.2-4: session present is 0 whenever the return code is not 0.
        return new MqttConnAckMessage(new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(MqttConnectReturnCode.valueOf((byte) ReasonCodes.toV3Connack(reason)),
                        reason == 0 && sessionPresent));
    }

    @Override
    public MqttMessage disconnect(int reason, String reasonString) {
        return null;
    }

    private static MqttMessage reply(MqttMessageType type, MqttQoS qos, int packetId) {
        return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0), MqttMessageIdVariableHeader.from(packetId));
    }

    @Override
    public MqttMessage puback(int packetId, int reason) {
        return reply(MqttMessageType.PUBACK, MqttQoS.AT_MOST_ONCE, packetId);
    }

    @Override
    public MqttMessage pubrec(int packetId, int reason) {
        return reply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, packetId);
    }

    @Override
    public MqttMessage pubrel(int packetId, int reason) {
        return reply(MqttMessageType.PUBREL, MqttQoS.AT_LEAST_ONCE, packetId);
    }

    @Override
    public MqttMessage pubcomp(int packetId, int reason) {
        return reply(MqttMessageType.PUBCOMP, MqttQoS.AT_MOST_ONCE, packetId);
    }

    @Override
    public MqttMessage suback(int packetId, List<Integer> codes) {
        int[] c = new int[codes.size()];
        for (int i = 0; i < c.length; i++) {
            int v = codes.get(i);
            c[i] = v <= 2 ? v : 0x80;
        }
        return new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId), new MqttSubAckPayload(c));
    }

    @Override
    public MqttMessage unsuback(int packetId, List<Integer> codes) {
        return new MqttUnsubAckMessage(new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
    }
}
