package io.perch.broker.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import static io.perch.broker.protocol.Bytes.b;
import static io.perch.broker.protocol.Bytes.hex;
import static io.perch.broker.protocol.Bytes.packet;
import static io.perch.broker.protocol.Bytes.props;
import static io.perch.broker.protocol.Bytes.raw;
import static io.perch.broker.protocol.Bytes.str;
import static io.perch.broker.protocol.Bytes.u16;
import static io.perch.broker.protocol.Bytes.u32;
import static io.perch.broker.protocol.Bytes.vbi;
import static io.perch.broker.protocol.MalformedCase.connected;
import static io.perch.broker.protocol.Outcome.close;
import static io.perch.broker.protocol.Outcome.disconnect;

/**
 * Bad packets after a successful CONNECT. MQTT 5 answers a Malformed Packet with DISCONNECT
 * 0x81 and a Protocol Error with 0x82 unless a more specific code exists (MQTT 5 4.13.1);
 * MQTT 3.1.1 closes (MQTT-4.8.0-1), having no server DISCONNECT.
 */
final class SessionCorpus {
    private SessionCorpus() {
    }

    static final int MALFORMED = 0x81;
    static final int PROTOCOL_ERROR = 0x82;

    static List<MalformedCase> cases() {
        List<MalformedCase> all = new ArrayList<>();
        // ---- fixed header --------------------------------------------------------------------------------------
        both(all, "remaining length in 5 bytes", v -> hex("30 FF FF FF FF 01"), MALFORMED, true);
        both(all, "reserved packet type 0", v -> hex("00 00"), MALFORMED, true);
        // Reserved flags (MQTT-2.2.2-1/-2, MQTT 5 2.1.3): SUBSCRIBE, UNSUBSCRIBE and PUBREL must carry 0010.
        both(all, "SUBSCRIBE with flags 0000", v -> withFlags(Packets.subscribe(v, 1, "a", 0), 0x0), MALFORMED, true);
        both(all, "SUBSCRIBE with flags 0011", v -> withFlags(Packets.subscribe(v, 1, "a", 0), 0x3), MALFORMED, true);
        both(all, "SUBSCRIBE with flags 1010", v -> withFlags(Packets.subscribe(v, 1, "a", 0), 0xA), MALFORMED, true);
        both(all, "UNSUBSCRIBE with flags 0000", v -> withFlags(Packets.unsubscribe(v, 1, "a"), 0x0), MALFORMED, true);
        both(all, "PUBREL with flags 0000", v -> withFlags(Packets.pubrel(1), 0x0), MALFORMED, true);
        both(all, "PUBREL with flags 0110", v -> withFlags(Packets.pubrel(1), 0x6), MALFORMED, true);
        both(all, "PINGREQ with flags 0001", v -> hex("C1 00"), MALFORMED, true);
        both(all, "PUBACK with flags 1000", v -> withFlags(Packets.puback(1), 0x8), MALFORMED, true);
        both(all, "DISCONNECT with flags 0010", v -> withFlags(Packets.disconnect(v), 0x2), MALFORMED, true);
        // PINGREQ has a Remaining Length of 0 (3.12.1 in both versions). Netty emits it without consuming the declared
        // bytes, so here they would otherwise be read as a second PINGREQ.
        both(all, "PINGREQ with remaining length 2", v -> hex("C0 02 C0 00"), MALFORMED, true);
        // QoS 3 PUBLISH (MQTT-3.3.1-4): malformed.
        both(all, "PUBLISH with QoS 3", v -> withFlags(Packets.publish(v, 1, "t", 1, "x"), 0x6), MALFORMED, true);
        // ---- packet identifiers (MQTT-2.3.1-1 / MQTT-2.2.1-3): non-zero --------------------------------------
        both(all, "QoS 1 PUBLISH with packet id 0", v -> Packets.publish(v, 1, "t", 0, "x"), MALFORMED, true);
        both(all, "QoS 2 PUBLISH with packet id 0", v -> Packets.publish(v, 2, "t", 0, "x"), MALFORMED, true);
        both(all, "SUBSCRIBE with packet id 0", v -> Packets.subscribe(v, 0, "t", 0), MALFORMED, true);
        both(all, "UNSUBSCRIBE with packet id 0", v -> Packets.unsubscribe(v, 0, "t"), MALFORMED, true);
        // ---- topic names (MQTT-3.3.2-2, MQTT 5 3.3.2.1) ---------------------------------------------------------
        both(all, "PUBLISH topic with '+'", v -> Packets.publish(v, 0, "a/+/c", 0, "x"), MALFORMED, true);
        both(all, "PUBLISH topic with '#'", v -> Packets.publish(v, 1, "a/#", 5, "x"), MALFORMED, true);
        // Ill-formed UTF-8 and U+0000 make a packet malformed (MQTT-1.5.3-1/-2, MQTT 5 MQTT-1.5.4-1/-2); Netty turns
        // ill-formed bytes into U+FFFD, which the engine rejects.
        both(all, "PUBLISH topic with ill-formed UTF-8", v -> packet(0x30, illFormedTopic(), v5(v, props()), b('x')),
                MALFORMED, true);
        both(all, "PUBLISH topic with U+0000", v -> packet(0x32, raw(hex("61 00 62")), u16(7), v5(v, props()), b('x')),
                MALFORMED, true);
        // An empty topic without a topic alias: protocol error in v5 (MQTT 5 3.3.2.1), invalid in 3.1.1 (MQTT-4.7.3-1).
        both(all, "PUBLISH with an empty topic and no alias", v -> Packets.publish(v, 0, "", 0, "x"), PROTOCOL_ERROR, false);
        // ---- subscribe payload ---------------------------------------------------------------------------------
        both(all, "SUBSCRIBE with QoS 3 option", v -> Packets.subscribe(v, 1, "t", 0x03), MALFORMED, true);
        // 3.1.1 subscription options: bits 2-7 are reserved (MQTT-3.8.3-4); MQTT 5 uses bits 2-5.
        all.add(connected("SUBSCRIBE with reserved option bit 2 (No Local in v5)", 4, Packets.subscribe(4, 1, "t", 0x04),
                close(), true));
        all.add(connected("SUBSCRIBE with reserved option bit 3 (Retain As Published in v5)", 4,
                Packets.subscribe(4, 1, "t", 0x09), close(), true));
        all.add(connected("SUBSCRIBE with reserved option bit 4 (Retain Handling in v5)", 4,
                Packets.subscribe(4, 1, "t", 0x12), close(), true));
        all.add(connected("SUBSCRIBE with Retain Handling 3", 5, Packets.subscribe(5, 1, "t", 0x30), disconnect(MALFORMED), true));
        // SUBSCRIBE/UNSUBSCRIBE without topic filters (MQTT-3.8.3-3 / -2, MQTT-3.10.3-2): protocol error.
        both(all, "SUBSCRIBE without topic filters", v -> packet(0x82, u16(1), v5(v, props())), PROTOCOL_ERROR, false);
        both(all, "UNSUBSCRIBE without topic filters", v -> packet(0xA2, u16(1), v5(v, props())), PROTOCOL_ERROR, false);
        // ---- out of order: second CONNECT (MQTT-3.1.0-2), packets only a server sends (MQTT 5 4.13.1 protocol error)
        both(all, "second CONNECT", v -> Packets.connect(v, "again"), PROTOCOL_ERROR, false);
        both(all, "CONNACK from a client", v -> v == 5 ? hex("20 03 00 00 00") : hex("20 02 00 00"), PROTOCOL_ERROR, false);
        both(all, "SUBACK from a client", v -> packet(0x90, u16(1), v5(v, props()), b(0)), PROTOCOL_ERROR, false);
        both(all, "UNSUBACK from a client", v -> packet(0xB0, u16(1), v5(v, props(), b(0))), PROTOCOL_ERROR, false);
        both(all, "PINGRESP from a client", v -> Packets.PINGRESP, PROTOCOL_ERROR, false);
        all.add(connected("AUTH from a 3.1.1 client", 4, hex("F0 00"), close(), true)); // AUTH is MQTT 5 only
        // ---- size: larger than mqtt.max_packet_size (MQTT 5 3.1.2.11.4 and 0x95) --------------------------------
        both(all, "PUBLISH larger than max_packet_size",
                v -> Packets.publish(v, 0, "big", 0, "x".repeat(ConnectCorpus.MAX_PACKET_SIZE + 10)), 0x95, true);
        // ---- MQTT 5 only -----------------------------------------------------------------------------------------
        all.add(v5("PUBLISH with an unknown property id 0x7F",
                packet(0x30, str("t"), props(b(0x7F, 0x00)), b('x')), MALFORMED, true));
        // Topic alias 0, or above the Topic Alias Maximum the broker announced: 0x94 (MQTT-3.3.2-8, -9).
        all.add(v5("PUBLISH with topic alias 0", packet(0x30, str("t"), props(b(0x23), u16(0)), b('x')), 0x94, false));
        all.add(v5("PUBLISH with topic alias above max",
                packet(0x30, str("t"), props(b(0x23), u16(ConnectCorpus.MAX_TOPIC_ALIAS + 1)), b('x')), 0x94, false));
        // An alias never set, with an empty topic: protocol error (MQTT 5 3.3.2.3.4).
        all.add(v5("PUBLISH with empty topic and unknown alias", packet(0x30, str(""), props(b(0x23), u16(5)), b('x')),
                PROTOCOL_ERROR, false));
        // No Local on a shared subscription (MQTT-3.8.3-4), Subscription Identifier 0 (MQTT 5 3.8.2.1.2).
        all.add(v5("SUBSCRIBE to a shared subscription with No Local", Packets.subscribe(5, 1, "$share/g/t", 0x04),
                PROTOCOL_ERROR, false));
        all.add(v5("SUBSCRIBE with subscription identifier 0", packet(0x82, u16(1), props(b(0x0B), vbi(0)), str("t"), b(0)),
                PROTOCOL_ERROR, false));
        // Session Expiry set on DISCONNECT after 0 at CONNECT (MQTT-3.14.2-2).
        all.add(v5("DISCONNECT with session expiry after 0 at CONNECT",
                packet(0xE0, b(0x00), props(b(0x11), u32(10))), PROTOCOL_ERROR, false));
        // AUTH after a CONNECT without an authentication method (MQTT 5 4.12: protocol error).
        all.add(v5("AUTH without an authentication method at CONNECT", packet(0xF0, b(0x19), props()), PROTOCOL_ERROR, false));
        return all;
    }

    /** The same bad packet from a 3.1.1 client (plain close) and a v5 client (DISCONNECT with the reason). */
    private static void both(List<MalformedCase> all, String name, IntFunction<byte[]> bytes, int v5Reason, boolean malformed) {
        all.add(connected(name, 4, bytes.apply(4), close(), malformed));
        all.add(connected(name, 5, bytes.apply(5), disconnect(v5Reason), malformed));
    }

    private static MalformedCase v5(String name, byte[] bytes, int reason, boolean malformed) {
        return connected(name, 5, bytes, disconnect(reason), malformed);
    }

    /** The parts only for an MQTT 5 packet (properties, reason codes). */
    private static byte[] v5(int version, byte[]... parts) {
        return version == 5 ? Bytes.cat(parts) : new byte[0];
    }

    static byte[] withFlags(byte[] packet, int flags) {
        byte[] copy = packet.clone();
        copy[0] = (byte) (copy[0] & 0xf0 | flags);
        return copy;
    }

    static byte[] illFormedTopic() {
        return raw(hex("61 2F C3 28"));
    }
}
