package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;

/**
 * The bytes of PUBLISH and its four acknowledgements, written into a buffer the caller sized with
 * {@link #size}: the same bytes Netty's MqttEncoder writes (a test compares them), properties
 * in the order it writes them, without a buffer of their own. Any other type has size -1 and is
 * left to Netty's encoder, as is a packet this cannot write as Netty does (a topic over 65,535
 * bytes, a property of the wrong kind), so that it goes as before. One difference, on purpose:
 * see {@link #replySize}.
 */
final class PacketEncoding {
    /** The largest Variable Byte Integer (four bytes). */
    static final int MAX_VAR_INT = 268_435_455;

    private PacketEncoding() {
    }

    /** Encoded length of {@code m}, or -1 when this class does not encode it. */
    static int size(MqttMessage m, boolean v5) {
        return switch (m.fixedHeader().messageType()) {
            case PUBLISH -> m instanceof MqttPublishMessage p ? publishSize(p, v5) : -1;
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> replySize(m, v5);
            default -> -1;
        };
    }

    /** Writes {@code m}, which {@link #size} gave {@code size} bytes. */
    static void encode(MqttMessage m, boolean v5, ByteBuf out, int size) {
        int start = out.writerIndex();
        out.writeByte(byte1(m.fixedHeader()));
        if (m instanceof MqttPublishMessage p) {
            writePublish(p, v5, out);
        } else {
            writeReply(m, v5, out);
        }
        if (out.writerIndex() - start != size) {
            throw new IllegalStateException("encoded " + (out.writerIndex() - start) + " bytes of "
                    + m.fixedHeader().messageType() + ", sized " + size);
        }
    }

    private static int publishSize(MqttPublishMessage p, boolean v5) {
        MqttPublishVariableHeader h = p.variableHeader();
        int props = v5 ? PropertyEncoding.size(h.properties()) : 0;
        if (props < 0) {
            return -1;
        }
        int topic = ByteBufUtil.utf8Bytes(h.topicName());
        if (topic > 0xffff) {
            return -1; // too long for its two-byte length: left to Netty's encoder, as before
        }
        long remaining = 2L + topic + (p.fixedHeader().qosLevel().value() > 0 ? 2 : 0)
                + (v5 ? varIntLength(props) + props : 0) + p.payload().readableBytes();
        if (remaining > MAX_VAR_INT) {
            return -1;
        }
        return 1 + varIntLength((int) remaining) + (int) remaining;
    }

    private static void writePublish(MqttPublishMessage p, boolean v5, ByteBuf out) {
        MqttPublishVariableHeader h = p.variableHeader();
        String topic = h.topicName();
        int topicBytes = ByteBufUtil.utf8Bytes(topic);
        boolean withId = p.fixedHeader().qosLevel().value() > 0;
        ByteBuf payload = p.payload();
        int props = v5 ? PropertyEncoding.size(h.properties()) : 0;
        writeVarInt(out, 2 + topicBytes + (withId ? 2 : 0) + (v5 ? varIntLength(props) + props : 0)
                + payload.readableBytes());
        out.writeShort(topicBytes);
        ByteBufUtil.reserveAndWriteUtf8(out, topic, topicBytes);
        if (withId) {
            out.writeShort(h.packetId());
        }
        if (v5) {
            PropertyEncoding.write(h.properties(), props, out);
        }
        out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    /**
     * v5 with a reason code other than success, or with properties, writes the reason code and
     * the properties (an empty property length included, as Netty); otherwise only the packet id.
     * Unlike Netty 4.1.115, a success with only user properties keeps them: its
     * {@code MqttProperties.isEmpty()} does not see them.
     */
    private static int replySize(MqttMessage m, boolean v5) {
        Object h = m.variableHeader();
        if (h instanceof MqttPubReplyMessageVariableHeader r && v5 && !plainReply(r)) {
            int props = PropertyEncoding.size(r.properties());
            if (props < 0) {
                return -1;
            }
            int remaining = 3 + varIntLength(props) + props;
            return 1 + varIntLength(remaining) + remaining;
        }
        return h instanceof MqttMessageIdVariableHeader ? 4 : -1;
    }

    private static void writeReply(MqttMessage m, boolean v5, ByteBuf out) {
        MqttMessageIdVariableHeader h = (MqttMessageIdVariableHeader) m.variableHeader();
        if (h instanceof MqttPubReplyMessageVariableHeader r && v5 && !plainReply(r)) {
            int props = PropertyEncoding.size(r.properties());
            writeVarInt(out, 3 + varIntLength(props) + props);
            out.writeShort(r.messageId());
            out.writeByte(r.reasonCode());
            PropertyEncoding.write(r.properties(), props, out);
        } else {
            out.writeByte(2);
            out.writeShort(h.messageId());
        }
    }

    private static boolean plainReply(MqttPubReplyMessageVariableHeader r) {
        return r.reasonCode() == MqttPubReplyMessageVariableHeader.REASON_CODE_OK
                && PropertyEncoding.size(r.properties()) == 0;
    }

    private static int byte1(MqttFixedHeader h) {
        int b = h.messageType().value() << 4;
        if (h.isDup()) {
            b |= 0x08;
        }
        b |= h.qosLevel().value() << 1;
        if (h.isRetain()) {
            b |= 0x01;
        }
        return b;
    }

    static int varIntLength(int n) {
        return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
    }

    static void writeVarInt(ByteBuf out, int n) {
        do {
            int digit = n & 0x7f;
            n >>>= 7;
            out.writeByte(n > 0 ? digit | 0x80 : digit);
        } while (n > 0);
    }
}
