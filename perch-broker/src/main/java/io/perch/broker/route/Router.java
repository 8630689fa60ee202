package io.perch.broker.route;

import io.perch.broker.cluster.Cluster;
import io.perch.broker.cluster.Forward;
import io.perch.broker.message.Message;
import io.perch.broker.persist.DurableWrites;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.topic.SubscriptionTree;

import io.perch.broker.session.SessionStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands a published message to every matching session.
 *
 * <p>The tree holds subscribers by client id, not by session object, so that it can be
 * rebuilt from stored subscriptions and point at sessions that are not in memory; the
 * session is looked up when a message is handed over (a subscriber whose session has just
 * ended is skipped).
 *
 * <p>Overlapping subscriptions of one session (e.g. {@code a/+} and {@code a/#}) give one
 * delivery with the highest granted QoS and every subscription identifier, as MQTT-3.3.4-2/-3
 * allow. No Local subscriptions skip the publisher's own session. For each share group one
 * member is picked round-robin, preferring connected members; with none connected the message
 * waits in the picked member's session.
 */
public final class Router {
    private final SubscriptionTree<String> tree;
    private final SessionStore sessions;
    private final NotInMemory dormant;
    private final int maxQos;
    private final Cluster cluster;
    /** Null on a single node. */
    private final RemoteRouting remote;
    private final AdoptedSessions adopted = new AdoptedSessions();

    public Router(SubscriptionTree<String> tree, SessionStore sessions, NotInMemory dormant, int maxQos) {
        this(tree, sessions, dormant, maxQos, Cluster.NONE);
    }

    /** A router that also hands messages to the other nodes of {@code cluster} that have subscribers for them. */
    public Router(SubscriptionTree<String> tree, SessionStore sessions, NotInMemory dormant, int maxQos, Cluster cluster) {
        this.cluster = cluster;
        this.remote = cluster.enabled() ? new RemoteRouting(cluster) : null;
        this.tree = tree;
        this.sessions = sessions;
        this.dormant = dormant;
        this.maxQos = maxQos;
    }

    /** Routes and returns the number of sessions (and groups) that got the message. */
    public int route(Message m) {
        return route(m, new DurableWrites());
    }

    /**
     * Routes and returns the number of sessions (and groups) that got the message; the durable
     * writes of sessions a store keeps are added to {@code writes}.
     */
    public int route(Message m, DurableWrites writes) {
        Collector c = new Collector(m.from());
        tree.match(m.topic(), c);
        int n = 0;
        if (c.single != null) {
            if (deliver(c.single, c.singleOptions, m, null, writes)) {
                n++;
            }
        } else if (c.many != null) {
            for (Map.Entry<String, Merged> e : c.many.entrySet()) {
                Merged mg = e.getValue();
                if (deliver(e.getKey(), mg.options(), m, mg.ids(), writes)) {
                    n++;
                }
            }
        }
        if (remote != null) {
            // Share groups with members on other nodes are picked among nodes too (RemoteRouting).
            return n + remote.route(m, c.groups, this, writes);
        }
        if (c.groups != null) {
            for (SubscriptionTree.SharedGroup<String> g : c.groups) {
                if (dispatchShared(g.group, g.filter, m, null, g, writes)) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Delivers a message another node forwarded: to this node's plain subscribers when
     * {@code f.plain()}, and to one member here of each named share group. Never forwarded
     * again. Returns the number of sessions (and groups) that got it.
     */
    public int routeForwarded(Forward f, DurableWrites writes) {
        Message m = f.message();
        int n = 0;
        if (f.plain()) {
            Collector c = new Collector(m.from());
            io.perch.broker.cluster.InboxPosition read = f.read();
            if (read != null && !read.inbox().equals(cluster.nodeName())) {
                c.only = adopted.from(read.inbox()); // a dead node's inbox: for the sessions taken over from it
            }
            tree.match(m.topic(), c);
            if (c.single != null) {
                if (deliver(c.single, c.singleOptions, m, null, writes, f.read(), f.again())) {
                    n++;
                }
            } else if (c.many != null) {
                for (Map.Entry<String, Merged> e : c.many.entrySet()) {
                    if (deliver(e.getKey(), e.getValue().options(), m, e.getValue().ids(), writes, f.read(), f.again())) {
                        n++;
                    }
                }
            }
        }
        // A share group's pick is not marked: read again, the entry may go to another member.
        for (String key : f.groups()) {
            io.perch.broker.topic.Topics.Parsed p = io.perch.broker.topic.Topics.parseSubscription(key);
            if (p != null && p.isShared() && dispatchShared(p.group(), p.filter(), m, null, null, writes)) {
                n++;
            }
        }
        return n;
    }

    /** This node took these stored sessions over from {@code deadNode}; its inbox is delivered next. */
    public void adopted(String deadNode, List<String> clientIds) {
        adopted.adopted(deadNode, clientIds);
    }

    /** What {@code deadNode}'s inbox held is delivered here. */
    public void drained(String deadNode) {
        adopted.drained(deadNode);
    }

    /** What a subscriber with these options gets of a message (its one subscription), outside routing. */
    public Pending pending(Message m, SubscriptionOptions o) {
        return pending(m, o, null, null, null);
    }

    /** What one subscriber gets of a message: its granted QoS, retain as published, identifiers. */
    private Pending pending(Message m, SubscriptionOptions o, int[] ids, String group, String filter) {
        int qos = Math.min(Math.min(m.qos(), o.qos()), maxQos);
        int[] subIds = ids != null ? ids : o.subscriptionId() > 0 ? new int[]{o.subscriptionId()} : null;
        boolean retain = o.retainAsPublished() && m.retain();
        return group == null ? Pending.of(m, qos, retain, subIds)
                : Pending.shared(m, qos, retain, subIds, group, filter);
    }

    private boolean deliver(String clientId, SubscriptionOptions o, Message m, int[] ids, DurableWrites writes) {
        return deliver(clientId, o, m, ids, writes, null, writes.isRoutedAgain());
    }

    /**
     * {@code read}: where this node read a forwarded message (so that a session takes an entry
     * once), else null; {@code again}: routed again under its first id ({@link DurableWrites#routedAgain()}).
     */
    private boolean deliver(String clientId, SubscriptionOptions o, Message m, int[] ids, DurableWrites writes,
                            io.perch.broker.cluster.InboxPosition read, boolean again) {
        Pending p = pending(m, o, ids, null, null);
        Session s = sessions.get(clientId);
        if (s == null) {
            // A stored session not in memory (kept for it), or one that ended since the match
            // (dropped). Routed again, it gets the message written again: its load keeps one
            // entry per message id.
            return dormant.offer(clientId, p, writes, read);
        }
        writes.add(again ? s.offerAgain(p, read) : read != null ? s.offerForwarded(p, read) : s.offerLive(p));
        return true;
    }

    /**
     * Gives a message to one member of a share group, skipping {@code exclude} (a client id).
     * Used for new messages and to hand on what a departing member held. False when the group
     * has no member with a session.
     */
    public boolean dispatchShared(String group, String filter, Message m, String exclude,
                                  SubscriptionTree.SharedGroup<String> known, DurableWrites writes) {
        // A snapshot of the group (empty once its last member left): filtered, never mutated.
        List<Map.Entry<String, SubscriptionOptions>> members = tree.sharedMembers(group, filter);
        int size = members.size();
        if (size == 0) {
            return false;
        }
        int start = known != null ? known.nextIndex(size) : (int) (System.nanoTime() % size);
        Session pick = null;
        SubscriptionOptions pickOptions = null;
        for (int i = 0; i < size; i++) {
            Map.Entry<String, SubscriptionOptions> e = members.get(Math.floorMod(start + i, size));
            if (e.getKey().equals(exclude)) {
                continue;
            }
            Session s = sessions.get(e.getKey());
            if (s == null) {
                continue;
            }
            if (pick == null) {
                pick = s; // the round-robin choice, unless a connected member comes after it
                pickOptions = e.getValue();
            }
            if (s.isConnected()) {
                pick = s;
                pickOptions = e.getValue();
                break;
            }
        }
        if (pick == null) {
            // No member in memory: a stored member not loaded yet keeps it, round-robin as well.
            for (int i = 0; i < size; i++) {
                Map.Entry<String, SubscriptionOptions> e = members.get(Math.floorMod(start + i, size));
                if (!e.getKey().equals(exclude)
                        && dormant.offer(e.getKey(), pending(m, e.getValue(), null, group, filter), writes)) {
                    return true;
                }
            }
            return false;
        }
        writes.add(pick.offer(pending(m, pickOptions, null, group, filter)));
        return true;
    }

    /** Re-dispatches what a departing shared-subscription member held. */
    public void redistribute(Session from, List<Pending> held) {
        for (Pending p : held) {
            if (!dispatchShared(p.shareGroup(), p.shareFilter(), p.message(), from.clientId(), null, new DurableWrites())) {
                from.offer(p); // nobody else in the group: keep it for this member
            }
        }
    }

    private record Merged(SubscriptionOptions options, int[] ids) {
    }

    /** Collects matches; allocates a map only when more than one plain subscription matched. */
    private static final class Collector implements SubscriptionTree.Matches<String> {
        private final String publisher;
        /** When set, the only subscribers that count. */
        java.util.Set<String> only;
        String single;
        SubscriptionOptions singleOptions;
        HashMap<String, Merged> many;
        List<SubscriptionTree.SharedGroup<String>> groups;

        Collector(String publisher) {
            this.publisher = publisher;
        }

        @Override
        public void subscriber(String s, SubscriptionOptions o) {
            if (o.noLocal() && s.equals(publisher) || only != null && !only.contains(s)) {
                return;
            }
            if (single == null && many == null) {
                single = s;
                singleOptions = o;
                return;
            }
            if (many == null) {
                many = new HashMap<>();
                many.put(single, new Merged(singleOptions, ids(null, singleOptions)));
                single = null;
                singleOptions = null;
            }
            Merged prev = many.get(s);
            if (prev == null) {
                many.put(s, new Merged(o, ids(null, o)));
            } else {
                SubscriptionOptions p = prev.options();
                SubscriptionOptions merged = new SubscriptionOptions(Math.max(p.qos(), o.qos()), false,
                        p.retainAsPublished() || o.retainAsPublished(), 0, 0, null);
                many.put(s, new Merged(merged, ids(prev.ids(), o)));
            }
        }

        private static int[] ids(int[] prev, SubscriptionOptions o) {
            if (o.subscriptionId() <= 0) {
                return prev == null ? new int[0] : prev;
            }
            if (prev == null || prev.length == 0) {
                return new int[]{o.subscriptionId()};
            }
            int[] out = java.util.Arrays.copyOf(prev, prev.length + 1);
            out[prev.length] = o.subscriptionId();
            return out;
        }

        @Override
        public void group(SubscriptionTree.SharedGroup<String> g) {
            if (groups == null) {
                groups = new ArrayList<>(2);
            }
            groups.add(g);
        }
    }
}
