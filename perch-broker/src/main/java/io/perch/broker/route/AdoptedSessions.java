package io.perch.broker.route;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which sessions this node took over from each dead node: what that node's inbox still held was
 * forwarded for its own subscribers, so when the inbox is drained here, its plain deliveries go
 * to those sessions only. This node's own subscribers of the same topics got the message
 * already, through this node's inbox; a second copy would be a QoS 2 duplicate.
 *
 * <p>Threads: written on the cluster's threads (adopt, drained), read by routing on any thread.
 */
final class AdoptedSessions {
    private final Map<String, Set<String>> byDeadNode = new ConcurrentHashMap<>();

    void adopted(String deadNode, List<String> clientIds) {
        byDeadNode.merge(deadNode, Set.copyOf(clientIds), (a, b) -> {
            Set<String> both = new java.util.HashSet<>(a);
            both.addAll(b);
            return Set.copyOf(both);
        });
    }

    /** The sessions taken over from {@code deadNode}: empty when none (its inbox then reaches nobody here). */
    Set<String> from(String deadNode) {
        return byDeadNode.getOrDefault(deadNode, Set.of());
    }

    /** Its inbox is delivered: nothing more comes from it. */
    void drained(String deadNode) {
        byDeadNode.remove(deadNode);
    }
}
