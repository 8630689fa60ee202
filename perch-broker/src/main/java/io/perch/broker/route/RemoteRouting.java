package io.perch.broker.route;

import io.perch.broker.cluster.Cluster;
import io.perch.broker.cluster.Forward;
import io.perch.broker.message.Message;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.DurableWrites;
import io.perch.broker.topic.SubscriptionTree;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of routing that crosses nodes: every other node with a plain subscription matching
 * the topic gets the message once (it delivers to its own subscribers), and each share group
 * gets it once in the whole cluster: a group with members here and on other nodes picks among
 * "here" and those nodes round-robin, then the picked node picks one of its members.
 *
 * <p>Stateless (the round-robin counters live in the trees' groups); any thread.
 */
final class RemoteRouting {
    private final Cluster cluster;

    RemoteRouting(Cluster cluster) {
        this.cluster = cluster;
    }

    /**
     * Dispatches the local share groups ({@code localGroups}, may be null) and forwards to the
     * other nodes; the forwards' completions join {@code writes}. Returns how many local groups
     * and nodes got it.
     */
    int route(Message m, List<SubscriptionTree.SharedGroup<String>> localGroups, Router router, DurableWrites writes) {
        // A route change waits for this routing's forwards to be handed over (Cluster.routesReadLock).
        java.util.concurrent.locks.Lock routing = cluster.routesReadLock();
        routing.lock();
        try {
            return routeLocked(m, localGroups, router, writes);
        } finally {
            routing.unlock();
        }
    }

    private int routeLocked(Message m, List<SubscriptionTree.SharedGroup<String>> localGroups, Router router,
                            DurableWrites writes) {
        SubscriptionTree<String> routes = cluster.remoteRoutes();
        Nodes found = new Nodes();
        routes.match(m.topic(), found);
        int n = 0;
        Map<String, List<String>> groupsOf = null;
        if (localGroups != null) {
            for (SubscriptionTree.SharedGroup<String> g : localGroups) {
                String key = Topics.key(g.group, g.filter);
                SubscriptionTree.SharedGroup<String> there = found.groups == null ? null : found.groups.remove(key);
                String node = null;
                if (there != null) {
                    List<Map.Entry<String, SubscriptionOptions>> members = routes.sharedMembers(g.group, g.filter);
                    int pick = g.nextIndex(members.size() + 1);
                    node = pick == 0 ? null : members.get(pick - 1).getKey();
                }
                if (node == null) {
                    if (router.dispatchShared(g.group, g.filter, m, null, g, writes)) {
                        n++;
                    }
                } else {
                    groupsOf = add(groupsOf, node, key);
                }
            }
        }
        if (found.groups != null) {
            for (Map.Entry<String, SubscriptionTree.SharedGroup<String>> e : found.groups.entrySet()) {
                SubscriptionTree.SharedGroup<String> g = e.getValue();
                List<Map.Entry<String, SubscriptionOptions>> members = routes.sharedMembers(g.group, g.filter);
                if (!members.isEmpty()) {
                    groupsOf = add(groupsOf, members.get(g.nextIndex(members.size())).getKey(), e.getKey());
                }
            }
        }
        Set<String> nodes = found.plain;
        if (groupsOf != null) {
            if (nodes == null) {
                nodes = new LinkedHashSet<>();
            }
            nodes.addAll(groupsOf.keySet());
        }
        if (nodes != null) {
            for (String node : nodes) {
                boolean plain = found.plain != null && found.plain.contains(node);
                List<String> groups = groupsOf == null ? List.of() : groupsOf.getOrDefault(node, List.of());
                writes.add(cluster.forward(node, new Forward(m, plain, groups, writes.isRoutedAgain())));
                n++;
            }
        }
        return n;
    }

    private static Map<String, List<String>> add(Map<String, List<String>> to, String node, String key) {
        if (to == null) {
            to = new HashMap<>(4);
        }
        to.computeIfAbsent(node, k -> new ArrayList<>(2)).add(key);
        return to;
    }

    /** Nodes with matching plain routes, and matching share groups by route key. */
    private static final class Nodes implements SubscriptionTree.Matches<String> {
        Set<String> plain;
        Map<String, SubscriptionTree.SharedGroup<String>> groups;

        @Override
        public void subscriber(String node, SubscriptionOptions options) {
            if (plain == null) {
                plain = new LinkedHashSet<>(4);
            }
            plain.add(node);
        }

        @Override
        public void group(SubscriptionTree.SharedGroup<String> g) {
            if (groups == null) {
                groups = new HashMap<>(4);
            }
            groups.put(Topics.key(g.group, g.filter), g);
        }
    }
}
