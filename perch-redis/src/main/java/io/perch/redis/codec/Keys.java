package io.perch.redis.codec;

import java.nio.charset.StandardCharsets;

/**
 * The key schema of the seed (spec section 3): topics and client ids go into keys raw. Two
 * index keys are Perch's own, so that wildcard subscriptions find their topics without KEYS or
 * SCAN: sorted sets whose members are topics, all at score 0 so that ZRANGEBYLEX can walk a
 * filter's literal prefix. Their names cannot collide with a seed key because no seed key
 * starts with {@code mqtt:topics:}.
 */
public final class Keys {
    private Keys() {
    }

    public static byte[] node(String node) {
        return utf8("mqtt:node:" + node);
    }

    public static byte[] client(String clientId) {
        return utf8("mqtt:client:" + clientId);
    }

    public static byte[] sub(String clientId) {
        return utf8("mqtt:sub:" + clientId);
    }

    /** The sorted set of stored message ids of one topic. */
    public static byte[] topicMessages(String topic) {
        return utf8("mqtt:msg:" + topic);
    }

    /** The hash of one message. */
    public static byte[] message(String id) {
        return utf8("mqtt:msg:" + id);
    }

    public static byte[] retain(String topic) {
        return utf8("mqtt:retain:" + topic);
    }

    public static byte[] acked(String clientId, String topic) {
        return utf8("mqtt:acked:" + clientId + ":" + topic);
    }

    public static byte[] latest(String topic) {
        return utf8("mqtt:latest_msg:" + topic);
    }

    /** Topics that have (or recently had) stored messages in {@code mqtt:msg:{topic}}. */
    public static final String MSG_INDEX = "mqtt:topics:msg";
    /** Topics that have (or recently had) a retained message. */
    public static final String RETAIN_INDEX = "mqtt:topics:retain";
    /** Topics that have (or recently had) a {@code mqtt:latest_msg:{topic}} hash. */
    public static final String LATEST_INDEX = "mqtt:topics:latest";

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
