package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

/**
 * MQTT 5 properties for {@link PacketEncoding}: each property's identifier and value, by the
 * value's type in the specification (section 2.2.2.2), in {@link MqttProperties#listAll()}'s
 * order as Netty's encoder writes them. A property this cannot write as Netty would (an unknown
 * identifier, a value of the wrong kind or missing) makes the size -1.
 */
final class PropertyEncoding {
    private PropertyEncoding() {
    }

    /** Bytes of the properties after their length; -1 when left to Netty's encoder. */
    static int size(MqttProperties props) {
        // Not props.isEmpty(): in Netty 4.1.115 it overlooks user properties and subscription ids.
        int size = 0;
        for (MqttProperties.MqttProperty<?> p : props.listAll()) {
            int one = size(p);
            if (one < 0) {
                return -1;
            }
            size += one;
        }
        return size;
    }

    /** Writes the length, {@code size} from {@link #size}, then the properties. */
    static void write(MqttProperties props, int size, ByteBuf out) {
        PacketEncoding.writeVarInt(out, size);
        if (size == 0) {
            return;
        }
        for (MqttProperties.MqttProperty<?> p : props.listAll()) {
            write(p, out);
        }
    }

    private static MqttPropertyType type(MqttProperties.MqttProperty<?> p) {
        try {
            return MqttPropertyType.valueOf(p.propertyId());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int size(MqttProperties.MqttProperty<?> p) {
        MqttPropertyType type = type(p);
        if (type == null || p.value() == null) {
            return -1;
        }
        int id = PacketEncoding.varIntLength(p.propertyId());
        return switch (type) {
            case PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION, MAXIMUM_QOS,
                    RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE,
                    SHARED_SUBSCRIPTION_AVAILABLE -> p instanceof MqttProperties.IntegerProperty ? id + 1 : -1;
            case SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS ->
                    p instanceof MqttProperties.IntegerProperty ? id + 2 : -1;
            case PUBLICATION_EXPIRY_INTERVAL, SESSION_EXPIRY_INTERVAL, WILL_DELAY_INTERVAL, MAXIMUM_PACKET_SIZE ->
                    p instanceof MqttProperties.IntegerProperty ? id + 4 : -1;
            case SUBSCRIPTION_IDENTIFIER -> p instanceof MqttProperties.IntegerProperty i && i.value() >= 0
                    && i.value() <= PacketEncoding.MAX_VAR_INT ? id + PacketEncoding.varIntLength(i.value()) : -1;
            case CONTENT_TYPE, RESPONSE_TOPIC, ASSIGNED_CLIENT_IDENTIFIER, AUTHENTICATION_METHOD,
                    RESPONSE_INFORMATION, SERVER_REFERENCE, REASON_STRING ->
                    p instanceof MqttProperties.StringProperty s ? id + 2 + ByteBufUtil.utf8Bytes(s.value()) : -1;
            case USER_PROPERTY -> p instanceof MqttProperties.UserProperties u ? userSize(id, u) : -1;
            case CORRELATION_DATA, AUTHENTICATION_DATA ->
                    p instanceof MqttProperties.BinaryProperty b ? id + 2 + b.value().length : -1;
            default -> -1;
        };
    }

    private static int userSize(int id, MqttProperties.UserProperties u) {
        int size = 0;
        for (MqttProperties.StringPair pair : u.value()) {
            if (pair.key == null || pair.value == null) {
                return -1;
            }
            size += id + 2 + ByteBufUtil.utf8Bytes(pair.key) + 2 + ByteBufUtil.utf8Bytes(pair.value);
        }
        return size;
    }

    private static void write(MqttProperties.MqttProperty<?> p, ByteBuf out) {
        MqttPropertyType type = MqttPropertyType.valueOf(p.propertyId());
        if (type == MqttPropertyType.USER_PROPERTY) {
            for (MqttProperties.StringPair pair : ((MqttProperties.UserProperties) p).value()) {
                PacketEncoding.writeVarInt(out, p.propertyId());
                writeString(out, pair.key);
                writeString(out, pair.value);
            }
            return;
        }
        PacketEncoding.writeVarInt(out, p.propertyId());
        switch (type) {
            case PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION, MAXIMUM_QOS,
                    RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE,
                    SHARED_SUBSCRIPTION_AVAILABLE -> out.writeByte(((MqttProperties.IntegerProperty) p).value());
            case SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS ->
                    out.writeShort(((MqttProperties.IntegerProperty) p).value());
            case SUBSCRIPTION_IDENTIFIER -> PacketEncoding.writeVarInt(out, ((MqttProperties.IntegerProperty) p).value());
            case CORRELATION_DATA, AUTHENTICATION_DATA -> {
                byte[] b = ((MqttProperties.BinaryProperty) p).value();
                out.writeShort(b.length);
                out.writeBytes(b);
            }
            case PUBLICATION_EXPIRY_INTERVAL, SESSION_EXPIRY_INTERVAL, WILL_DELAY_INTERVAL, MAXIMUM_PACKET_SIZE ->
                    out.writeInt(((MqttProperties.IntegerProperty) p).value());
            default -> writeString(out, ((MqttProperties.StringProperty) p).value());
        }
    }

    private static void writeString(ByteBuf out, String s) {
        int bytes = ByteBufUtil.utf8Bytes(s);
        out.writeShort(bytes);
        ByteBufUtil.reserveAndWriteUtf8(out, s, bytes);
    }
}
