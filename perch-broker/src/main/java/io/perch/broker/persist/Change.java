package io.perch.broker.persist;

import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.message.SubscriptionOptions;

/**
 * One change to the state of a session that outlives its connection, as the broker hands it
 * to a {@link SessionPersistence}. Changes come in batches, in the order the session made
 * them. A message body is added before the first session message that refers to it, and may
 * be added again by another session: stores treat {@link MessageAdded} as "have this message",
 * and drop a body once no session message refers to it or it expires.
 *
 * <p>A session's outbound messages are keyed by {@code seq}, a number the session gives each
 * message it accepts, increasing in delivery order: the queue is the QUEUED messages in seq
 * order, the in-flight window the SENT and RELEASED ones (with their packet ids).
 */
public sealed interface Change {
    /** The client the change belongs to, or null for a message body. */
    String clientId();

    /** The session exists (new, resumed, or changed): its expiry and when it was last disconnected (0 while connected). */
    record SessionSaved(String clientId, int protocolVersion, long expiryIntervalSeconds, long disconnectedAt,
                        long createdAt) implements Change {
        /** Without the creation time (0: the store keeps what it has). */
        public SessionSaved(String clientId, int protocolVersion, long expiryIntervalSeconds, long disconnectedAt) {
            this(clientId, protocolVersion, expiryIntervalSeconds, disconnectedAt, 0);
        }
    }

    /** The session ended (clean close, expiry, kick, discard): everything of this client goes. */
    record SessionDeleted(String clientId) implements Change {
    }

    /** A subscription, keyed as the client sent it ({@code $share/g/f} for shared ones). */
    record SubscriptionAdded(String clientId, String key, SubscriptionOptions options) implements Change {
    }

    record SubscriptionDeleted(String clientId, String key) implements Change {
    }

    /** A message body, stored once for every session that refers to it. */
    record MessageAdded(Message message) implements Change {
        @Override
        public String clientId() {
            return null;
        }
    }

    /**
     * A message the session accepted for its client, QUEUED, with what this subscriber gets.
     * {@code again}: written before under this seq as far as the session knows, but the store
     * may have lost that write (a refused write's message routed again): a store adds its
     * reference to the body only if it does not have the entry yet.
     */
    record SessionMessageAdded(String clientId, long seq, MessageId messageId, int qos, boolean retain,
                               int[] subscriptionIds, String shareGroup, String shareFilter, boolean again)
            implements Change {
        public SessionMessageAdded(String clientId, long seq, MessageId messageId, int qos, boolean retain,
                                   int[] subscriptionIds, String shareGroup, String shareFilter) {
            this(clientId, seq, messageId, qos, retain, subscriptionIds, shareGroup, shareFilter, false);
        }
    }

    /**
     * The session accepted a QoS 2 message forwarded by another node, read from {@code inbox}
     * at {@code entryId}: written with the message, so that the entry read again after a crash
     * is known to be had ({@link io.perch.broker.cluster.ForwardMarks}).
     */
    record ForwardMarked(String clientId, String inbox, String entryId) implements Change {
    }

    /**
     * The message was sent (with this packet id) or released (QoS 2). A SENT message went out
     * at least once, so after a restore it is resent with DUP set.
     */
    record SessionMessageUpdated(String clientId, long seq, int packetId, Phase phase) implements Change {
    }

    /**
     * Acknowledged, completed, dropped, expired, or handed to another share-group member. The
     * message id lets a store drop the body once nothing refers to it.
     */
    record SessionMessageDeleted(String clientId, long seq, MessageId messageId) implements Change {
    }

    /** An inbound QoS 2 packet id waiting for PUBREL (the message was routed already). */
    record AwaitingRelAdded(String clientId, int packetId) implements Change {
    }

    record AwaitingRelDeleted(String clientId, int packetId) implements Change {
    }

    /** The will of the session's current connection, with its delay in seconds. */
    record WillSet(String clientId, Message will, long delaySeconds) implements Change {
    }

    record WillDeleted(String clientId) implements Change {
    }
}
