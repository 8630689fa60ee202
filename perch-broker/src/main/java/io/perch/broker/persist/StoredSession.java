package io.perch.broker.persist;

import io.perch.broker.message.Message;
import io.perch.broker.message.SubscriptionOptions;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A session as a store gives it back: what the broker needs to resume it for a returning
 * client after the process that held it is gone.
 *
 * @param messages the outbound messages in seq order (in-flight ones carry their packet ids)
 * @param will     the will of the connection that was open when the session was saved, or null
 * @param forwardMarks the last inbox entry (id) per inbox whose QoS 2 message it accepted
 *                 ({@link io.perch.broker.cluster.ForwardMarks}); empty outside a cluster
 */
public record StoredSession(String clientId, int protocolVersion, long expiryIntervalSeconds, long disconnectedAt,
                            Map<String, SubscriptionOptions> subscriptions, List<Outbound> messages,
                            Set<Integer> awaitingRel, StoredWill will, long createdAt,
                            Map<String, String> forwardMarks) {

    public StoredSession(String clientId, int protocolVersion, long expiryIntervalSeconds, long disconnectedAt,
                         Map<String, SubscriptionOptions> subscriptions, List<Outbound> messages,
                         Set<Integer> awaitingRel, StoredWill will, long createdAt) {
        this(clientId, protocolVersion, expiryIntervalSeconds, disconnectedAt, subscriptions, messages, awaitingRel,
                will, createdAt, Map.of());
    }

    /** A stored session whose creation time is not known (0). */
    public StoredSession(String clientId, int protocolVersion, long expiryIntervalSeconds, long disconnectedAt,
                         Map<String, SubscriptionOptions> subscriptions, List<Outbound> messages,
                         Set<Integer> awaitingRel, StoredWill will) {
        this(clientId, protocolVersion, expiryIntervalSeconds, disconnectedAt, subscriptions, messages, awaitingRel,
                will, 0);
    }

    /** One outbound message of the session. */
    public record Outbound(long seq, Message message, int qos, boolean retain, int[] subscriptionIds,
                           String shareGroup, String shareFilter, int packetId, Phase phase) {
    }

    public record StoredWill(Message message, long delaySeconds) {
    }
}
