package io.perch.broker.route;

import io.perch.broker.persist.DurableWrites;
import io.perch.broker.session.Pending;

/**
 * Where the router hands a message for a subscriber whose session is not in memory: a session
 * a durable store keeps (after a restart, until its client returns) keeps it there.
 */
@FunctionalInterface
public interface NotInMemory {
    /**
     * False when the client has no session at all (it ended since the match): the message is
     * not for it. The store write it starts is added to {@code writes}.
     */
    boolean offer(String clientId, Pending p, DurableWrites writes);

    /**
     * A message another node forwarded, read at {@code read} (null for none): a session that
     * accepted that inbox entry already does not take it again.
     */
    default boolean offer(String clientId, Pending p, DurableWrites writes, io.perch.broker.cluster.InboxPosition read) {
        return offer(clientId, p, writes);
    }
}
