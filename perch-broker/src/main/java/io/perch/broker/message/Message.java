package io.perch.broker.message;

/**
 * An application message, immutable once built: the payload is copied out of the network
 * buffer at decode and then shared by every subscriber (no reference counting across sessions).
 *
 * @param timestamp publish time, epoch milliseconds
 * @param expiresAt absolute expiry, epoch milliseconds, or 0 when the message never expires
 * @param from      publishing client id (or a system name)
 */
public record Message(MessageId id, String topic, byte[] payload, int qos, boolean retain, String from,
                      String username, long timestamp, long expiresAt, PublishProperties properties) {

    public Message {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos " + qos);
        }
        if (properties == null) {
            properties = PublishProperties.NONE;
        }
    }

    public boolean isExpired(long nowMillis) {
        return expiresAt != 0 && nowMillis >= expiresAt;
    }

    /** As {@link #isExpired(long)} now; the clock is read only for a message that can expire. */
    public boolean isExpiredNow() {
        return expiresAt != 0 && System.currentTimeMillis() >= expiresAt;
    }

    /** Seconds left, rounded up, for the Message Expiry Interval sent on forward (MQTT-3.3.2-6); -1 if none. */
    public long remainingExpirySeconds(long nowMillis) {
        if (expiresAt == 0) {
            return -1;
        }
        return Math.max(1, (expiresAt - nowMillis + 999) / 1000);
    }

    public Message withRetain(boolean r) {
        return r == retain ? this : new Message(id, topic, payload, qos, r, from, username, timestamp, expiresAt, properties);
    }

    public Message withQos(int q) {
        return q == qos ? this : new Message(id, topic, payload, q, retain, from, username, timestamp, expiresAt, properties);
    }

    /** The same message under another id (one taken again before anything saw the first). */
    public Message withId(MessageId other) {
        return new Message(other, topic, payload, qos, retain, from, username, timestamp, expiresAt, properties);
    }

    public Message withTopic(String t) {
        return new Message(id, t, payload, qos, retain, from, username, timestamp, expiresAt, properties);
    }

    /** Payload bytes are left out on purpose: logs must not carry payloads. */
    @Override
    public String toString() {
        return "Message[topic=" + topic + ", qos=" + qos + ", retain=" + retain + ", from=" + from
                + ", bytes=" + payload.length + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && m.id.equals(id) && m.topic.equals(topic);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }
}
