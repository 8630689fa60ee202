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
            writePublish(p, v5, out, withoutLength(size - 1));
        } else {
            writeReply(m, out, size);
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

    /** {@code remaining}: the Remaining Length, derived from the size rather than counted again. */
    private static void writePublish(MqttPublishMessage p, boolean v5, ByteBuf out, int remaining) {
        MqttPublishVariableHeader h = p.variableHeader();
        String topic = h.topicName();
        int topicBytes = ByteBufUtil.utf8Bytes(topic); // the exact count: the buffer has no room to spare
        boolean withId = p.fixedHeader().qosLevel().value() > 0;
        ByteBuf payload = p.payload();
        writeVarInt(out, remaining);
        out.writeShort(topicBytes);
        ByteBufUtil.reserveAndWriteUtf8(out, topic, topicBytes);
        if (withId) {
            out.writeShort(h.packetId());
        }
        if (v5) {
            // What is left besides the payload is the properties and their length.
            int props = withoutLength(remaining - 2 - topicBytes - (withId ? 2 : 0) - payload.readableBytes());
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
        if (h instanceof MqttPubReplyMessageVariableHeader r && v5) {
            int props = PropertyEncoding.size(r.properties());
            if (props < 0) {
                return -1;
            }
            if (r.reasonCode() != MqttPubReplyMessageVariableHeader.REASON_CODE_OK || props > 0) {
                int remaining = 3 + varIntLength(props) + props;
                return 1 + varIntLength(remaining) + remaining;
            }
        }
        return h instanceof MqttMessageIdVariableHeader ? 4 : -1;
    }

    /** {@code size} 4 is the packet id alone; anything longer has a reason code and properties. */
    private static void writeReply(MqttMessage m, ByteBuf out, int size) {
        MqttMessageIdVariableHeader h = (MqttMessageIdVariableHeader) m.variableHeader();
        if (size == 4) {
            out.writeByte(2);
            out.writeShort(h.messageId());
            return;
        }
        MqttPubReplyMessageVariableHeader r = (MqttPubReplyMessageVariableHeader) h;
        int remaining = withoutLength(size - 1);
        writeVarInt(out, remaining);
        out.writeShort(r.messageId());
        out.writeByte(r.reasonCode());
        PropertyEncoding.write(r.properties(), withoutLength(remaining - 3), out);
    }

    /**
     * The n for which a Variable Byte Integer n followed by n bytes takes {@code total} bytes
     * (n plus its length only grows with n, so there is one).
     */
    private static int withoutLength(int total) {
        for (int lengthBytes = 1; lengthBytes < 4; lengthBytes++) {
            if (varIntLength(total - lengthBytes) == lengthBytes) {
                return total - lengthBytes;
            }
        }
        return total - 4;
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
