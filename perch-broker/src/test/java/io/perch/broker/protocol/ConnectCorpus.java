package io.perch.broker.protocol;

import java.util.List;

import static io.perch.broker.protocol.Bytes.b;
import static io.perch.broker.protocol.Bytes.hex;
import static io.perch.broker.protocol.Bytes.packet;
import static io.perch.broker.protocol.Bytes.props;
import static io.perch.broker.protocol.Bytes.raw;
import static io.perch.broker.protocol.Bytes.str;
import static io.perch.broker.protocol.Bytes.u16;
import static io.perch.broker.protocol.Bytes.u32;
import static io.perch.broker.protocol.MalformedCase.first;
import static io.perch.broker.protocol.Outcome.close;
import static io.perch.broker.protocol.Outcome.connackV3;
import static io.perch.broker.protocol.Outcome.connackV5;

/**
 * Bad first packets: malformed or refused CONNECTs, and anything that is not a CONNECT.
 * Spec rules are cited as in the standards' conformance statements (3.1.1 / 5.0).
 */
final class ConnectCorpus {
    private ConnectCorpus() {
    }

    /** Broker config of the corpus: small packets and few topic aliases, so the limits are reachable. */
    static final int MAX_PACKET_SIZE = 1024;
    static final int MAX_TOPIC_ALIAS = 10;

    static List<MalformedCase> cases() {
        return List.of(
                // Fixed header: at most 4 remaining-length bytes (MQTT 3.1.1 2.2.3, MQTT 5 1.5.5). The version is not
                // known yet, so there is no CONNACK to answer with.
                first("CONNECT with a 5-byte remaining length", 4, hex("10 FF FF FF FF 7F"), close(), true),
                first("CONNECT with a 5-byte remaining length", 5, hex("10 FF FF FF FF 7F"), close(), true),
                // Reserved fixed header flags of CONNECT must be 0000 (MQTT-2.2.2-1 / MQTT-2.1.3-1).
                first("CONNECT with fixed header flags 0001", 4, withFirstByte(Packets.connect(4, "cc-f1"), 0x11), close(), true),
                first("CONNECT with fixed header flags 1000", 5, withFirstByte(Packets.connect(5, "cc-f2"), 0x18), close(), true),
                // Reserved connect flag, bit 0 (MQTT-3.1.2-3): 3.1.1 closes; v5 may say 0x81 first (MQTT 5 4.13.1).
                first("CONNECT with reserved connect flag set", 4, Packets.connect(4, 0x03, "cc-r1", props()), close(), true),
                first("CONNECT with reserved connect flag set", 5, Packets.connect(5, 0x03, "cc-r2", props()), connackV5(0x81), true),
                // Unknown protocol level / name: CONNACK 0x01 in the 3.1.1 form (MQTT-3.1.2-2; MQTT 5 3.1.2.2 allows it).
                first("CONNECT with protocol level 6", 4,
                        packet(0x10, str("MQTT"), b(6), b(0x02), u16(60), str("cc-l6")), connackV3(0x01), true),
                first("CONNECT with protocol level 0", 4,
                        packet(0x10, str("MQTT"), b(0), b(0x02), u16(60), str("cc-l0")), connackV3(0x01), true),
                first("CONNECT with protocol name MQTX", 4,
                        packet(0x10, str("MQTX"), b(4), b(0x02), u16(60), str("cc-n1")), connackV3(0x01), true),
                first("CONNECT with name MQIsdp but level 4", 4,
                        packet(0x10, str("MQIsdp"), b(4), b(0x02), u16(60), str("cc-n2")), connackV3(0x01), true),
                // Client identifier refused (MQTT-3.1.3-9: 0x02 in 3.1.1; MQTT 5 0x85).
                first("CONNECT with ill-formed UTF-8 client id", 4,
                        packet(0x10, str("MQTT"), b(4), b(0x02), u16(60), raw(hex("63 C3 28"))), connackV3(0x02), false),
                first("CONNECT with ill-formed UTF-8 client id", 5,
                        packet(0x10, str("MQTT"), b(5), b(0x02), u16(60), props(), raw(hex("63 C3 28"))), connackV5(0x85), false),
                first("CONNECT with U+0000 in the client id", 5,
                        packet(0x10, str("MQTT"), b(5), b(0x02), u16(60), props(), raw(hex("63 00 63"))), connackV5(0x85), false),
                first("CONNECT with empty client id and clean session 0", 4,
                        Packets.connect(4, 0x00, "", props()), connackV3(0x02), false), // MQTT-3.1.3-8
                // Password flag without user name flag (MQTT-3.1.2-22): close without CONNACK (MQTT-3.1.4-1).
                first("CONNECT with password but no user name", 4,
                        packet(0x10, str("MQTT"), b(4), b(0x42), u16(60), str("cc-p1"), str("secret")), close(), false),
                // Receive Maximum 0 and Maximum Packet Size 0 are protocol errors (MQTT 5 3.1.2.11.3, 3.1.2.11.4).
                first("CONNECT with Receive Maximum 0", 5,
                        Packets.connect(5, 0x02, "cc-rm", props(b(0x21), u16(0))), connackV5(0x82), false),
                first("CONNECT with Maximum Packet Size 0", 5,
                        Packets.connect(5, 0x02, "cc-mp", props(b(0x27), u32(0))), connackV5(0x82), false),
                // Larger than mqtt.max_packet_size: v5 0x95 (MQTT 5 3.2.2.2), v3 just closes.
                first("CONNECT larger than max_packet_size", 5, bigConnect(5, "cc-big5"), connackV5(0x95), true),
                first("CONNECT larger than max_packet_size", 4, bigConnect(4, "cc-big4"), close(), true),
                // Will topic with a wildcard: Topic Name invalid (MQTT-3.1.3-11, MQTT 5 0x90).
                first("CONNECT with a will topic containing '#'", 5,
                        willConnect(5, 0x06, "cc-w1", "will/#"), connackV5(0x90), false),
                // Will QoS 3 is malformed (MQTT-3.1.2-14 / MQTT 5 MQTT-3.1.2-12); so are Will QoS or Will Retain set
                // without the Will Flag (MQTT-3.1.2-13, -15 / MQTT 5 MQTT-3.1.2-11, -13). A 3.1.1 server closes without
                // CONNACK (MQTT-3.1.4-1); a v5 server may send CONNACK 0x81 first (MQTT 5 4.13.1).
                first("CONNECT with will QoS 3", 4, willConnect(4, 0x1E, "cc-wq3", "will/t"), close(), true),
                first("CONNECT with will QoS 3", 5, willConnect(5, 0x1E, "cc-wq5", "will/t"), connackV5(0x81), true),
                first("CONNECT with will QoS 1 but no will flag", 4, Packets.connect(4, 0x0A, "cc-nq3", props()), close(), true),
                first("CONNECT with will QoS 1 but no will flag", 5, Packets.connect(5, 0x0A, "cc-nq5", props()),
                        connackV5(0x81), true),
                first("CONNECT with will retain but no will flag", 4, Packets.connect(4, 0x22, "cc-nr3", props()), close(), true),
                first("CONNECT with will retain but no will flag", 5, Packets.connect(5, 0x22, "cc-nr5", props()),
                        connackV5(0x81), true),
                // Reserved packet type 0, and not a CONNECT first (MQTT-3.1.0-1): close.
                first("packet type 0 first", 4, hex("00 00"), close(), true),
                first("PUBLISH before CONNECT", 4, Packets.publish(4, 0, "t", 0, "x"), close(), false),
                first("PUBLISH before CONNECT", 5, Packets.publish(5, 0, "t", 0, "x"), close(), false),
                first("SUBSCRIBE before CONNECT", 4, Packets.subscribe(4, 1, "t", 0), close(), false),
                first("PINGREQ before CONNECT", 4, Packets.PINGREQ, close(), false),
                first("DISCONNECT before CONNECT", 4, hex("E0 00"), close(), false),
                first("CONNACK from a client before CONNECT", 4, hex("20 02 00 00"), close(), false));
    }

    static byte[] withFirstByte(byte[] packet, int first) {
        byte[] copy = packet.clone();
        copy[0] = (byte) first;
        return copy;
    }

    /** A CONNECT with a password making it larger than {@link #MAX_PACKET_SIZE} (v5 allows a password alone). */
    static byte[] bigConnect(int version, String clientId) {
        byte[] password = raw(new byte[MAX_PACKET_SIZE + 100]);
        return packet(0x10, str("MQTT"), b(version), b(0xC2), u16(60), version == 5 ? props() : new byte[0],
                str(clientId), str("user"), password);
    }

    /** A CONNECT with the given connect flags (will flag expected among them), will topic and a short will payload. */
    static byte[] willConnect(int version, int flags, String clientId, String willTopic) {
        return packet(0x10, str("MQTT"), b(version), b(flags), u16(60), version == 5 ? props() : new byte[0],
                str(clientId), version == 5 ? props() : new byte[0], str(willTopic), str("bye"));
    }
}
