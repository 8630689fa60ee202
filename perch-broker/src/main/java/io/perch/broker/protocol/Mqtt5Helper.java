package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;

import java.util.List;

/** MQTT 5: reason codes and properties on every acknowledgement. */
final class Mqtt5Helper implements ProtocolHelper {
    static final Mqtt5Helper INSTANCE = new Mqtt5Helper();

    @Override
    public boolean isV5() {
        return true;
    }

    @Override
    public MqttMessage connack(int reason, boolean sessionPresent, MqttProperties properties) {
        return new MqttConnAckMessage(new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(MqttConnectReturnCode.valueOf((byte) reason), sessionPresent,
                        properties == null ? MqttProperties.NO_PROPERTIES : properties));
    }

    @Override
    public MqttMessage disconnect(int reason, String reasonString) {
        MqttProperties p = MqttProperties.NO_PROPERTIES;
        if (reasonString != null) {
            p = new MqttProperties();
            Props.addString(p, MqttProperties.MqttPropertyType.REASON_STRING, reasonString);
        }
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reason, p));
    }

    private static MqttMessage reply(MqttMessageType type, MqttQoS qos, int packetId, int reason) {
        return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, (byte) reason, MqttProperties.NO_PROPERTIES));
    }

    @Override
    public MqttMessage puback(int packetId, int reason) {
        return reply(MqttMessageType.PUBACK, MqttQoS.AT_MOST_ONCE, packetId, reason);
    }

    @Override
    public MqttMessage pubrec(int packetId, int reason) {
        return reply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, packetId, reason);
    }

    @Override
    public MqttMessage pubrel(int packetId, int reason) {
        return reply(MqttMessageType.PUBREL, MqttQoS.AT_LEAST_ONCE, packetId, reason);
    }

    @Override
    public MqttMessage pubcomp(int packetId, int reason) {
        return reply(MqttMessageType.PUBCOMP, MqttQoS.AT_MOST_ONCE, packetId, reason);
    }

    @Override
    public MqttMessage suback(int packetId, List<Integer> codes) {
        int[] c = codes.stream().mapToInt(Integer::intValue).toArray();
        return new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES), new MqttSubAckPayload(c));
    }

    @Override
    public MqttMessage unsuback(int packetId, List<Integer> codes) {
        short[] c = new short[codes.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = codes.get(i).shortValue();
        }
        return new MqttUnsubAckMessage(new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES), new MqttUnsubAckPayload(c));
    }
}
