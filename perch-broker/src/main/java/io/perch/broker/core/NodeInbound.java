package io.perch.broker.core;

import io.perch.broker.cluster.ClusterInbound;
import io.perch.broker.cluster.Forward;
import io.perch.broker.persist.DurableWrites;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionStage;

/**
 * What this node does for the other nodes of its cluster: delivers what they forward to its
 * own subscribers, and lets a client go when another node takes it over. Stateless; called on
 * the cluster's threads (routing is safe from any thread).
 */
public final class NodeInbound implements ClusterInbound {
    private static final Logger log = LoggerFactory.getLogger(NodeInbound.class);

    private final BrokerCore core;

    public NodeInbound(BrokerCore core) {
        this.core = core;
    }

    @Override
    public CompletionStage<Void> deliver(Forward forward) {
        if (!core.restoreGate.isOpen()) {
            // The stored sessions are still being read: their subscriptions are not all known yet.
            return core.restoreGate.whenOpen().thenCompose(v -> deliver(forward));
        }
        DurableWrites writes = new DurableWrites();
        if (core.router.routeForwarded(forward, writes) == 0) {
            // Its subscribers here left after the sending node looked (its routes lag by a moment).
            core.stats.messagesDroppedNoSubscribers.increment();
            log.debug("a message forwarded to {} found no subscriber here", forward.message().topic());
        }
        return writes.all();
    }

    @Override
    public void adopt(String deadNode, long inboxEntries,
                      java.util.List<io.perch.broker.persist.SessionPersistence.Dormant> sessions) {
        core.sessions.adopt(deadNode, inboxEntries, sessions);
        log.info("took over {} stored session(s) of a dead node", sessions.size());
    }

    @Override
    public void drained(String deadNode) {
        core.router.drained(deadNode);
    }

    @Override
    public CompletionStage<Void> release(String clientId) {
        return core.sessions.release(clientId).exceptionally(e -> {
            // Refused (fenced) or failed writes: the new owner reads what the store has; it is
            // not this node's to keep any more either way.
            log.warn("client {}: not every write made here before it moved to another node was stored: {}",
                    clientId, e.toString());
            return null;
        });
    }
}
