package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;

import java.util.List;

/**
 * Every difference between MQTT 3.1/3.1.1 and MQTT 5 in what the broker sends, behind one
 * interface, so connection and session code never branch on the protocol level.
 */
interface ProtocolHelper {
    boolean isV5();

    /** CONNACK for a v5 reason code (mapped to a v3 return code when needed). */
    MqttMessage connack(int reason, boolean sessionPresent, MqttProperties properties);

    /** A server DISCONNECT, or null where the protocol has none (v3: just close). */
    MqttMessage disconnect(int reason, String reasonString);

    MqttMessage puback(int packetId, int reason);

    MqttMessage pubrec(int packetId, int reason);

    MqttMessage pubrel(int packetId, int reason);

    MqttMessage pubcomp(int packetId, int reason);

    /** SUBACK with per-filter v5 codes; v3 turns every failure into 0x80. */
    MqttMessage suback(int packetId, List<Integer> codes);

    /** UNSUBACK; v3 carries no reason codes. */
    MqttMessage unsuback(int packetId, List<Integer> codes);

    /** Whether a reason code may be put on the wire (reason strings, problem info): v5 only. */
    default boolean hasReasonCodes() {
        return isV5();
    }
}
