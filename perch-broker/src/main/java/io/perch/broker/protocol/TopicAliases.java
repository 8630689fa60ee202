package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttProperties;

import java.util.HashMap;
import java.util.Map;

/**
 * MQTT 5 topic aliases of one connection, both ways (section 3.3.2.3.4). Inbound: the client
 * may use aliases 1..{@code mqtt.max_topic_alias}. Outbound: the broker gives the first topics
 * it sends an alias, up to the client's Topic Alias Maximum, and then sends the alias with an
 * empty topic. Aliases live and die with the connection.
 */
final class TopicAliases {
    private final int inboundMax;
    /** Made when the client sets its first alias (most never do), as {@code outbound} is. */
    private Map<Integer, String> inbound;
    private Map<String, Integer> outbound;
    private int outboundMax;

    TopicAliases(int inboundMax) {
        this.inboundMax = inboundMax;
    }

    void outboundMax(int max) {
        this.outboundMax = max;
    }

    /** Result codes of {@link #resolve}. */
    static final String INVALID_ALIAS = "\u0000invalid";
    static final String UNKNOWN_ALIAS = "\u0000unknown";

    /**
     * Resolves an inbound PUBLISH topic: records a new mapping, or looks up an empty topic.
     * Returns the topic, or INVALID_ALIAS (0 or above max: 0x94) / UNKNOWN_ALIAS (0x82).
     */
    String resolve(String topic, Integer alias) {
        if (alias == null) {
            return topic;
        }
        if (alias <= 0 || alias > inboundMax) {
            return INVALID_ALIAS;
        }
        if (topic.isEmpty()) {
            String t = inbound == null ? null : inbound.get(alias);
            return t == null ? UNKNOWN_ALIAS : t;
        }
        if (inbound == null) {
            inbound = new HashMap<>();
        }
        inbound.put(alias, topic);
        return topic;
    }

    /** The topic to put on the wire, adding the alias property when one applies. */
    String outbound(String topic, MqttProperties props) {
        if (outboundMax <= 0) {
            return topic;
        }
        if (outbound == null) {
            outbound = new HashMap<>();
        }
        Integer a = outbound.get(topic);
        if (a != null) {
            Props.addInt(props, MqttProperties.MqttPropertyType.TOPIC_ALIAS, a);
            return "";
        }
        if (outbound.size() < outboundMax) {
            int alias = outbound.size() + 1;
            outbound.put(topic, alias);
            Props.addInt(props, MqttProperties.MqttPropertyType.TOPIC_ALIAS, alias);
        }
        return topic;
    }
}
