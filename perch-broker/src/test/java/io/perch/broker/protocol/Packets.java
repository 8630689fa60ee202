package io.perch.broker.protocol;

import static io.perch.broker.protocol.Bytes.b;
import static io.perch.broker.protocol.Bytes.cat;
import static io.perch.broker.protocol.Bytes.packet;
import static io.perch.broker.protocol.Bytes.props;
import static io.perch.broker.protocol.Bytes.str;
import static io.perch.broker.protocol.Bytes.u16;

/** Well-formed client packets, the starting points of the corpus and of the fuzzer. */
final class Packets {
    private Packets() {
    }

    static final byte[] PINGREQ = Bytes.hex("C0 00");
    static final byte[] PINGRESP = Bytes.hex("D0 00");

    /** CONNECT with clean start, keep alive 60 s, no will, no credentials; version 3 (3.1), 4 (3.1.1) or 5. */
    static byte[] connect(int version, String clientId) {
        return connect(version, 0x02, clientId, props());
    }

    /** CONNECT with given connect flags and (v5) property block; nothing in the payload but the client id. */
    static byte[] connect(int version, int flags, String clientId, byte[] v5Props) {
        String name = version == 3 ? "MQIsdp" : "MQTT";
        return packet(0x10, str(name), b(version), b(flags), u16(60), version == 5 ? v5Props : new byte[0], str(clientId));
    }

    /** PUBLISH at QoS 0 (no packet id) or above. */
    static byte[] publish(int version, int qos, String topic, int packetId, String payload) {
        return packet(0x30 | qos << 1, str(topic), qos > 0 ? u16(packetId) : new byte[0],
                version == 5 ? props() : new byte[0], payload.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** SUBSCRIBE with one filter and its options byte. */
    static byte[] subscribe(int version, int packetId, String filter, int options) {
        return packet(0x82, u16(packetId), version == 5 ? props() : new byte[0], str(filter), b(options));
    }

    static byte[] unsubscribe(int version, int packetId, String filter) {
        return packet(0xA2, u16(packetId), version == 5 ? props() : new byte[0], str(filter));
    }

    static byte[] puback(int packetId) {
        return packet(0x40, u16(packetId));
    }

    static byte[] pubrel(int packetId) {
        return packet(0x62, u16(packetId));
    }

    static byte[] disconnect(int version) {
        return version == 5 ? packet(0xE0, b(0x00), props()) : Bytes.hex("E0 00");
    }

    /** A short valid session for the fuzzer to mutate: connect, subscribe, publish at each QoS, ping, unsubscribe. */
    static byte[][] session(int version, String clientId) {
        return new byte[][] {
            connect(version, clientId),
            subscribe(version, 1, "fuzz/#", 2),
            publish(version, 0, "fuzz/a", 0, "zero"),
            publish(version, 1, "fuzz/b", 2, "one"),
            publish(version, 2, "fuzz/c", 3, "two"),
            pubrel(3),
            PINGREQ,
            unsubscribe(version, 4, "fuzz/#"),
            cat(disconnect(version)),
        };
    }
}
