package io.perch.broker.cluster;

import java.util.Map;

/**
 * A node as Redis knows it.
 *
 * @param alive       heartbeat within {@code cluster.node_timeout}
 * @param heartbeatAt epoch ms of its last heartbeat
 * @param details     what the node announced (version, started_at, listeners...), for display
 */
public record NodeInfo(String name, boolean alive, long heartbeatAt, Map<String, String> details) {
}
