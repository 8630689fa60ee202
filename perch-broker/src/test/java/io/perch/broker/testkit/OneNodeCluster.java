package io.perch.broker.testkit;

import io.perch.broker.cluster.Cluster;
import io.perch.broker.cluster.ClusterInbound;

/**
 * A broker's cluster with nobody else in it, for tests that play the other nodes: the test hands
 * in what would come from the node's inbox (forwards with their inbox positions, a dead node's
 * sessions to adopt) through {@link #inbound}.
 */
public final class OneNodeCluster extends Cluster.Single {
    private final String node;
    private volatile ClusterInbound inbound;

    public OneNodeCluster(String node) {
        this.node = node;
    }

    /** What the broker does for the other nodes; set once the broker started. */
    public ClusterInbound inbound() {
        return inbound;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public String nodeName() {
        return node;
    }

    @Override
    public void bind(ClusterInbound in) {
        this.inbound = in;
    }

    /** Clients a dead node owned until this node reaped it: a CONNECT's first claim names that node. */
    private final java.util.Map<String, String> deadOwners = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code clientId} was {@code deadNode}'s, which this node reaped (its sessions adopted through
     * {@link #inbound}): its CONNECT finds the dead node named, waits for the reap ({@link #reaped}),
     * and claims it from there, loading the session as one from another node.
     */
    public void ownedByDeadNode(String clientId, String deadNode) {
        reaps.putIfAbsent(deadNode, new java.util.concurrent.CompletableFuture<>());
        deadOwners.put(clientId, deadNode);
    }

    private final java.util.concurrent.atomic.AtomicInteger claimsLost = new java.util.concurrent.atomic.AtomicInteger();

    /** Claims that lost to a dead owner (CONNECTs that then waited for its reap). */
    public int claimsLost() {
        return claimsLost.get();
    }

    /** Dead nodes and whether this node has reaped them yet. */
    private final java.util.Map<String, java.util.concurrent.CompletableFuture<Boolean>> reaps =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The reap of {@code deadNode} is done (its sessions adopted): CONNECTs waiting for it go on. */
    public void reaped(String deadNode) {
        reaps.computeIfAbsent(deadNode, k -> new java.util.concurrent.CompletableFuture<>()).complete(true);
    }

    @Override
    public java.util.concurrent.CompletionStage<Claim> claim(String clientId, String expected) {
        String dead = deadOwners.get(clientId);
        if (dead != null && !dead.equals(expected)) {
            claimsLost.incrementAndGet();
            return java.util.concurrent.CompletableFuture.completedFuture(new Claim(false, dead, 1));
        }
        deadOwners.remove(clientId);
        return java.util.concurrent.CompletableFuture.completedFuture(new Claim(true, node, 2));
    }

    @Override
    public java.util.concurrent.CompletionStage<Boolean> reapedIfDead(String other) {
        java.util.concurrent.CompletableFuture<Boolean> reap = reaps.get(other);
        return reap == null ? java.util.concurrent.CompletableFuture.completedFuture(false) : reap;
    }
}
