package io.perch.redis.config;

import java.time.Duration;

/**
 * Everything {@code cluster.*} says (docs/cluster.md). Immutable; made once at configure.
 *
 * @param enabled           {@code cluster.enable}: several nodes on one Redis act as one broker
 * @param pool              {@code cluster.pool}: the backend.redis pool holding the cluster's keys
 * @param nodeTimeout       {@code cluster.node_timeout}: a node silent this long is dead
 * @param heartbeatInterval {@code cluster.heartbeat_interval}: how often a node says it is alive
 * @param inboxMaxLen       {@code cluster.inbox.max_len}: cap of each node's inbox stream
 * @param takeoverTimeout   {@code cluster.takeover_timeout}: how long a takeover waits for the old owner
 * @param rpcTimeout        {@code cluster.rpc_timeout}: how long an admin query waits for another node's answer
 */
public record ClusterConfig(boolean enabled, String pool, Duration nodeTimeout, Duration heartbeatInterval,
                            long inboxMaxLen, Duration takeoverTimeout, Duration rpcTimeout) {
    public static final String DEFAULT_POOL = "pool1";
    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    public static final long DEFAULT_INBOX_MAX_LEN = 1_000_000;
    public static final Duration DEFAULT_TAKEOVER_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(5);

    /** A single node: clustering off, every other value its default. */
    public static final ClusterConfig OFF = new ClusterConfig(false, DEFAULT_POOL, DEFAULT_NODE_TIMEOUT,
            DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_INBOX_MAX_LEN, DEFAULT_TAKEOVER_TIMEOUT, DEFAULT_RPC_TIMEOUT);
}
