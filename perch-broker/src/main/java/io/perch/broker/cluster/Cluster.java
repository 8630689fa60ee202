package io.perch.broker.cluster;

import io.perch.broker.topic.SubscriptionTree;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Several Perch nodes on one Redis acting as one broker (docs/cluster.md). Supplied by a plugin
 * ({@code PluginStores.cluster}) before the broker is built; {@link #NONE} when clustering is off.
 * Redis is the only link between nodes: membership, routes, forwarding and ownership all live
 * there, so nodes need no ports or peer lists of their own.
 *
 * <p>Threads: every method may be called from any broker thread and must not block; stages
 * complete on the implementation's threads (callers resume on their own executor).
 */
public interface Cluster {
    /** False for a single node: the broker then never calls anything else. */
    boolean enabled();

    /** This node's {@code node.name}. */
    String nodeName();

    /**
     * This node's writer id (1-1023), different from every other live node's: the low bits of
     * the seqs it gives session messages ({@code io.perch.broker.session.Seqs}), so two nodes
     * writing for one session never use the same seq. 0 for a single node.
     */
    default int writerId() {
        return 0;
    }

    /** Called once by the broker before its listeners bind: where forwarded messages and release requests go. */
    void bind(ClusterInbound inbound);

    /**
     * The routes of the other nodes as this node last heard them: subscribers are node names
     * (plain filters, and shared groups whose members are nodes). Read on every publish, so a
     * local cache of what Redis holds, kept fresh by change notifications.
     */
    SubscriptionTree<String> remoteRoutes();

    /**
     * Held by routing from its match on {@link #remoteRoutes()} until the forwards it makes are
     * handed over ({@link #forward} returned). The implementation changes the routes under the
     * matching write lock, so that when it tells the other nodes it applied a change, no forward
     * made under the routes before it is still on its way: a node taking a client over asks the
     * old owner to let go once every node has applied its routes, and a forward reaching the
     * old owner after that request would find no session there.
     */
    default java.util.concurrent.locks.Lock routesReadLock() {
        return NoLock.INSTANCE;
    }

    /**
     * This node's subscription tree gained its first subscriber under {@code key} (a filter,
     * {@code $share/g/filter} or {@code $queue/filter}). Called under the tree's lock: it must
     * only record the change (the implementation writes it to Redis in order, shortly).
     */
    void routeAdded(String key);

    /** This node's tree lost the last subscriber under {@code key}. Same rules as {@link #routeAdded}. */
    void routeRemoved(String key);

    /**
     * Sends a message to another node's inbox. Completes when it is there as durably as the
     * session store's acknowledgement setting demands (a publisher's PUBACK waits for it);
     * exceptionally when it could not be stored.
     */
    CompletionStage<Void> forward(String node, Forward forward);

    /**
     * Completes once every live node has applied this node's route changes made before the
     * call (so no node routes only to the old owner of a session this node takes over), or
     * after the takeover timeout.
     */
    CompletionStage<Void> routesSeen();


    /**
     * Asks {@code node} to let {@code clientId} go ({@link ClusterInbound#release}); completes
     * when it has, or at once when that node is dead, or after the takeover timeout.
     */
    CompletionStage<Void> requestRelease(String node, String clientId);

    /**
     * When {@code node} has stopped heartbeating: waits until it is found dead and reaped (its
     * sessions and unread inbox taken over by the reaping node) and completes with true; at once
     * with false for a node that is alive. A takeover from a dead node takes the session from the
     * reaping node instead, so what the dead node had not delivered reaches it first, in order.
     */
    default CompletionStage<Boolean> reapedIfDead(String node) {
        return CompletableFuture.completedFuture(false);
    }

    /**
     * Makes this node the owner of {@code clientId} if its owner is still {@code expected}
     * (null: none, or this node). From then on the session store refuses writes for that client
     * from any other node (fencing by epoch).
     */
    CompletionStage<Claim> claim(String clientId, String expected);

    /**
     * False when another node has asked for {@code clientId} since this node last claimed it:
     * a CONNECT here whose claim came first must not open the session after all. Checked under
     * the client id's lock, as a release is handled.
     */
    default boolean holds(String clientId) {
        return true;
    }

    /** The session of {@code clientId} ended on this node: its ownership goes, if still this node's. */
    void disown(String clientId);

    /** Every node Redis knows, this one included, for the API and {@code ctl cluster status}. */
    List<NodeInfo> nodes();

    /**
     * Asks {@code node} to run the handler it {@link #serve serves} under {@code method} with
     * {@code request}, for admin queries (the REST API answering for the whole cluster). Never
     * blocks; completes with the handler's reply, or exceptionally with a
     * {@link ClusterCallException}: {@code answered() == false} when the node did not answer within
     * {@code cluster.rpc_timeout} (dead, unreachable, or the request was lost), true when its
     * handler failed. Loss is acceptable: a caller reports such a node as unavailable.
     */
    default CompletionStage<byte[]> call(String node, String method, byte[] request) {
        return CompletableFuture.failedFuture(new ClusterCallException(node, false, "not clustered"));
    }

    /**
     * Serves {@code method} to the other nodes' {@link #call}s (replacing any earlier handler).
     * Handlers run on the implementation's own thread, never a broker or Netty thread; they
     * must not block. A single node has nobody to answer, so it keeps nothing.
     */
    default void serve(String method, CallHandler handler) {
    }

    /** Answers one {@link #call}: request bytes in, reply bytes out; an exception goes back to the caller. */
    @FunctionalInterface
    interface CallHandler {
        byte[] handle(byte[] request) throws Exception;
    }

    /** A claim's outcome: {@code won}, or the node that owns the client now. */
    record Claim(boolean won, String owner, long epoch) {
    }

    /** A single node: nothing to tell anybody. */
    Cluster NONE = new Single();

    /**
     * A node alone: no other node's routes, nothing to forward, every claim won. {@link #NONE};
     * open so that a test can be one node of a cluster it describes (its {@link #nodes()}).
     */
    class Single implements Cluster {
        private final SubscriptionTree<String> empty = new SubscriptionTree<>();

        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public String nodeName() {
            return "";
        }

        @Override
        public void bind(ClusterInbound inbound) {
        }

        @Override
        public SubscriptionTree<String> remoteRoutes() {
            return empty;
        }

        @Override
        public void routeAdded(String key) {
        }

        @Override
        public void routeRemoved(String key) {
        }

        @Override
        public CompletionStage<Void> forward(String node, Forward forward) {
            return CompletableFuture.failedFuture(new IllegalStateException("not clustered"));
        }

        @Override
        public CompletionStage<Void> routesSeen() {
            return CompletableFuture.completedFuture(null);
        }


        @Override
        public CompletionStage<Void> requestRelease(String node, String clientId) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Claim> claim(String clientId, String expected) {
            return CompletableFuture.completedFuture(new Claim(true, "", 0));
        }

        @Override
        public void disown(String clientId) {
        }

        @Override
        public List<NodeInfo> nodes() {
            return List.of();
        }
    }
}
