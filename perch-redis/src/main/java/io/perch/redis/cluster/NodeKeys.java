package io.perch.redis.cluster;

/**
 * The Redis keys of cluster membership and routes (docs/cluster.md). Constants only. Those a
 * Lua script touches together carry the hash tag {@code {cluster}}, so on a Redis Cluster they
 * share one slot (one master) and the scripts stay legal there; they are small and written
 * about once a heartbeat. The busy keys (inboxes, owners) spread over the slots.
 */
public final class NodeKeys {
    /** Sorted set: node name -> epoch ms (Redis server clock) of its last heartbeat. */
    public static final String NODES = "perch:{cluster}:nodes";
    /** Pub/sub channel of hints that may be lost: "routes node version", "left node", "dead node". */
    public static final String HINTS = "perch:cluster:hints";
    /** Counter of the writer ids nodes take at start (the low bits of their session seqs). */
    public static final String WRITER_IDS = "perch:cluster:writer_ids";
    /** Hash: node -> version of its route set, bumped with every applied batch of changes. */
    public static final String ROUTES_VERSION = "perch:{cluster}:routes:version";

    private NodeKeys() {
    }

    /** Hash: instance, version, started_at, heartbeat and the node's announced details. */
    public static String node(String name) {
        return "perch:{cluster}:node:" + name;
    }

    /** Set: the route keys (filters, $share/g/f, $queue/f) that node has subscribers for. */
    public static String routes(String name) {
        return "perch:{cluster}:routes:" + name;
    }

    /** Hash: other node -> the version of its routes this node has applied. */
    public static String seen(String name) {
        return "perch:{cluster}:seen:" + name;
    }

    /** Pub/sub channel of a node's admin calls ({@link Rpc}): requests to it and notices of replies for it. */
    public static String rpc(String name) {
        return "perch:cluster:rpc:" + name;
    }

    /** String, expiring: the reply to call {@code id} of node {@code caller}, taken (GETDEL) by the caller. */
    public static String rpcReply(String caller, String id) {
        return "perch:cluster:rpc:reply:" + caller + ":" + id;
    }

    /** String: which live node reaps the dead one (SET NX PX node_timeout). */
    public static String reap(String dead) {
        return "perch:{cluster}:reap:" + dead;
    }
}
