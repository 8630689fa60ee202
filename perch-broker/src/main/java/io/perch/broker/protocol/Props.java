package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.UserProperty;

import java.util.ArrayList;
import java.util.List;

/** Reading and writing MQTT 5 properties with Netty's types. */
final class Props {
    private Props() {
    }

    static Integer integer(MqttProperties p, MqttPropertyType t) {
        MqttProperties.MqttProperty<?> prop = p.getProperty(t.value());
        return prop == null ? null : (Integer) prop.value();
    }

    static String string(MqttProperties p, MqttPropertyType t) {
        MqttProperties.MqttProperty<?> prop = p.getProperty(t.value());
        return prop == null ? null : (String) prop.value();
    }

    static byte[] binary(MqttProperties p, MqttPropertyType t) {
        MqttProperties.MqttProperty<?> prop = p.getProperty(t.value());
        return prop == null ? null : (byte[]) prop.value();
    }

    static List<UserProperty> userProperties(MqttProperties p) {
        List<? extends MqttProperties.MqttProperty> list = p.getProperties(MqttPropertyType.USER_PROPERTY.value());
        if (list.isEmpty()) {
            return List.of();
        }
        List<UserProperty> out = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> prop : list) {
            if (prop instanceof MqttProperties.UserProperty up) {
                out.add(new UserProperty(up.value().key, up.value().value));
            } else if (prop instanceof MqttProperties.UserProperties ups) {
                for (MqttProperties.StringPair pair : ups.value()) {
                    out.add(new UserProperty(pair.key, pair.value));
                }
            }
        }
        return out;
    }

    /**
     * True when a packet carries no property at all. Netty's {@code isEmpty()} (4.1.115) looks
     * only at single-valued properties, so a packet whose only properties are User Properties
     * would pass for empty: they are checked here too.
     */
    static boolean none(MqttProperties p) {
        return p == null || p.isEmpty() && p.getProperties(MqttPropertyType.USER_PROPERTY.value()).isEmpty();
    }

    /** The pass-through properties of a PUBLISH (or a will). */
    static PublishProperties publishProperties(MqttProperties p) {
        if (none(p)) {
            return PublishProperties.NONE;
        }
        PublishProperties pp = new PublishProperties(integer(p, MqttPropertyType.PAYLOAD_FORMAT_INDICATOR),
                string(p, MqttPropertyType.CONTENT_TYPE), string(p, MqttPropertyType.RESPONSE_TOPIC),
                binary(p, MqttPropertyType.CORRELATION_DATA), userProperties(p));
        return pp.isEmpty() ? PublishProperties.NONE : pp;
    }

    static void addPublishProperties(MqttProperties out, PublishProperties pp) {
        if (pp.payloadFormat() != null) {
            out.add(new MqttProperties.IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), pp.payloadFormat()));
        }
        if (pp.contentType() != null) {
            out.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), pp.contentType()));
        }
        if (pp.responseTopic() != null) {
            out.add(new MqttProperties.StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), pp.responseTopic()));
        }
        if (pp.correlationData() != null) {
            out.add(new MqttProperties.BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), pp.correlationData()));
        }
        for (UserProperty u : pp.userProperties()) {
            out.add(new MqttProperties.UserProperty(u.key(), u.value()));
        }
    }

    static void addInt(MqttProperties out, MqttPropertyType t, int v) {
        out.add(new MqttProperties.IntegerProperty(t.value(), v));
    }

    static void addString(MqttProperties out, MqttPropertyType t, String v) {
        out.add(new MqttProperties.StringProperty(t.value(), v));
    }
}
