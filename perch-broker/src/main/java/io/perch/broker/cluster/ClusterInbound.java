package io.perch.broker.cluster;

import java.util.concurrent.CompletionStage;

/**
 * What the broker does for the cluster: deliver what other nodes forward, and let a client go
 * when another node takes it over. Implemented by the broker; called on the cluster's threads.
 */
public interface ClusterInbound {
    /**
     * Delivers a message another node forwarded to this node's subscribers only (never
     * forwarded again, no publish hooks, not retained here: the publishing node did that).
     * Completes when the persistent sessions here that got it have it durably: only then may
     * the entry leave this node's inbox.
     */
    CompletionStage<Void> deliver(Forward forward);

    /**
     * Another node takes {@code clientId} over: its connection here (if any) is closed with
     * "session taken over" (v5 0x8E), its session here is forgotten without deleting what the
     * store keeps, and the stage completes once this node's writes for it are durable.
     */
    CompletionStage<Void> release(String clientId);

    /**
     * Stored sessions of a dead node that this node has claimed: they become known here as
     * after a restart (their subscriptions routed to, their expiries and unsent wills scheduled,
     * a session whose client was connected counting as disconnected from now); each loads when
     * its client connects.
     *
     * <p>What the dead node's inbox still holds ({@code deadNode}, at most about
     * {@code inboxEntries} entries) is delivered to them afterwards, while new messages already
     * come here: those inbox entries were published first, so they get seqs reserved now, below
     * every seq given from now on (else a subscriber would get them after newer ones).
     */
    void adopt(String deadNode, long inboxEntries, java.util.List<io.perch.broker.persist.SessionPersistence.Dormant> sessions);

    /**
     * What {@code deadNode}'s inbox held is delivered. Until then an entry read from it reaches
     * only the sessions adopted from it: this node's own subscribers had it through their own inbox.
     */
    default void drained(String deadNode) {
    }
}
