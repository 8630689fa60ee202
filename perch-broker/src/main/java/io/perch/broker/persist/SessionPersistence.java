package io.perch.broker.persist;

import io.perch.broker.message.SubscriptionOptions;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where sessions that outlive their connection (clean session 0, or a Session Expiry
 * Interval above 0) are kept beyond the process: the broker tells it every change to such a
 * session and asks it for a session when a client returns that the broker does not hold.
 * Supplied by a plugin (see {@code PerchPlugin.stores()}); the default keeps nothing.
 *
 * <p>{@link #write} is called under the session's lock (for a session not in memory, its
 * client id's lock), in the order the changes were made, and must not block: a store queues
 * the batch (and may merge batches) and completes the returned stage once the batch is
 * durable: a publisher's acknowledgement waits for it (docs/persistence.md).
 */
public interface SessionPersistence {
    /** False for a store that keeps nothing: the broker then builds no changes at all. */
    boolean durable();

    /** Applies one session's changes, in order. Completes when they are durable. */
    CompletionStage<Void> write(List<Change> batch);

    /**
     * Opens a group: the batches written while it is open, by any thread, reach the store
     * together, and where the store can, are applied whole or not at all. A QoS 2 publish
     * routes its message and records its packet id inside one: a crash must never leave the
     * message stored for its subscribers without the id, or the client's resend (same id, DUP)
     * would be routed again and delivered twice. Close it promptly, on the thread that opened
     * it: a store may hold every later write until then.
     */
    default Group group() {
        return Group.NONE;
    }

    /** An open {@link #group()}; closing it lets its writes go. */
    interface Group extends AutoCloseable {
        Group NONE = () -> {
        };

        @Override
        void close();
    }

    /**
     * Completes once every batch handed to {@link #write} before the call is durable (or
     * failed): a node letting a session go to another node waits for it.
     */
    default CompletionStage<Void> flushed() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /**
     * Cluster: this node starts keeping messages for {@code clientId}, whose session another
     * node holds, and the seqs it gives them are {@code fromSeq} or more ({@code -1}: it gave
     * the takeover up). The next {@link #load} of that client orders what the other nodes stored
     * before what this node kept from then on, whatever their seqs (another node's inbox may lag
     * this one's, so its seqs do not tell publish order against this node's).
     */
    default void takingOver(String clientId, long fromSeq) {
    }

    /**
     * Called once at start, before the listeners bind: the highest clock reading (microseconds)
     * behind any seq or message id the store holds, or 0. The broker starts its counters above
     * it, so that a wall clock that stepped back while it was down cannot give a new message a
     * stored one's seq or id.
     */
    default CompletionStage<Long> clockFloor() {
        return java.util.concurrent.CompletableFuture.completedFuture(0L);
    }

    /** The stored session of a client, or empty. Called on CONNECT when the broker holds none. */
    CompletionStage<Optional<StoredSession>> load(String clientId);

    /**
     * Called once at start, before the listeners bind: the sessions the store keeps, which the
     * broker routes to, expires (and whose unsent wills it publishes) even if their clients
     * never return. Their messages are not read here: a session loads when its client connects.
     */
    CompletionStage<List<Dormant>> restore();

    /**
     * A stored session as start-up needs it: its subscriptions (so messages published before
     * its client returns are kept for it), how many messages it holds (so that count stays
     * within max_mqueue_len), when it expires, a will not yet sent, and its protocol version
     * (to write it back as disconnected when its client was connected when the process stopped).
     */
    record Dormant(String clientId, long disconnectedAt, long expiryIntervalSeconds,
                   Map<String, SubscriptionOptions> subscriptions, long messages, StoredSession.StoredWill will,
                   int protocolVersion, Map<String, String> forwardMarks) {
        public Dormant(String clientId, long disconnectedAt, long expiryIntervalSeconds,
                       Map<String, SubscriptionOptions> subscriptions, long messages, StoredSession.StoredWill will,
                       int protocolVersion) {
            this(clientId, disconnectedAt, expiryIntervalSeconds, subscriptions, messages, will, protocolVersion, Map.of());
        }
    }

    /** The store that keeps nothing beyond the live sessions (today's behaviour). */
    SessionPersistence NONE = new SessionPersistence() {
        @Override
        public boolean durable() {
            return false;
        }

        @Override
        public CompletionStage<Void> write(List<Change> batch) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Optional<StoredSession>> load(String clientId) {
            return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletionStage<List<Dormant>> restore() {
            return java.util.concurrent.CompletableFuture.completedFuture(List.of());
        }
    };
}
