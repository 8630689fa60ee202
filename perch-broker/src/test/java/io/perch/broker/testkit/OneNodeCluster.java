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
}
