package io.perch.broker.route;

import io.perch.broker.message.Message;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.topic.SubscriptionTree;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands a published message to every matching session.
 *
 * <p>Overlapping subscriptions of one session (e.g. {@code a/+} and {@code a/#}) give one
 * delivery with the highest granted QoS and every subscription identifier, as MQTT-3.3.4-2/-3
 * allow. No Local subscriptions skip the publisher's own session. For each share group one
 * member is picked round-robin, preferring connected members; with none connected the message
 * waits in the picked member's session.
 */
public final class Router {
    private final SubscriptionTree<Session> tree;
    private final int maxQos;

    public Router(SubscriptionTree<Session> tree, int maxQos) {
        this.tree = tree;
        this.maxQos = maxQos;
    }

    /** Routes and returns the number of sessions (and groups) that got the message. */
    public int route(Message m) {
        Collector c = new Collector(m.from());
        tree.match(m.topic(), c);
        int n = 0;
        if (c.single != null) {
            deliver(c.single, c.singleOptions, m, null);
            n++;
        } else if (c.many != null) {
            for (Map.Entry<Session, Merged> e : c.many.entrySet()) {
                Merged mg = e.getValue();
                deliver(e.getKey(), mg.options(), m, mg.ids());
                n++;
            }
        }
        if (c.groups != null) {
            for (SubscriptionTree.SharedGroup<Session> g : c.groups) {
                if (dispatchShared(g.group, g.filter, m, null, g)) {
                    n++;
                }
            }
        }
        return n;
    }

    private void deliver(Session s, SubscriptionOptions o, Message m, int[] ids) {
        int qos = Math.min(Math.min(m.qos(), o.qos()), maxQos);
        boolean retain = o.retainAsPublished() && m.retain();
        int[] subIds = ids != null ? ids : o.subscriptionId() > 0 ? new int[]{o.subscriptionId()} : null;
        s.offer(Pending.of(m, qos, retain, subIds));
    }

    /**
     * Gives a message to one member of a share group, skipping {@code exclude}. Used for new
     * messages and to hand on what a departing member held. False when the group has no member.
     */
    public boolean dispatchShared(String group, String filter, Message m, Session exclude,
                                  SubscriptionTree.SharedGroup<Session> known) {
        List<Map.Entry<Session, SubscriptionOptions>> members = tree.sharedMembers(group, filter);
        if (exclude != null) {
            // The list is a snapshot of the group (empty once its last member left): filter, never mutate it.
            List<Map.Entry<Session, SubscriptionOptions>> others = new ArrayList<>(members.size());
            for (Map.Entry<Session, SubscriptionOptions> e : members) {
                if (e.getKey() != exclude) {
                    others.add(e);
                }
            }
            members = others;
        }
        if (members.isEmpty()) {
            return false;
        }
        int size = members.size();
        int start = known != null ? known.nextIndex(size) : (int) (System.nanoTime() % size);
        Map.Entry<Session, SubscriptionOptions> pick = members.get(Math.floorMod(start, size));
        for (int i = 0; i < size; i++) {
            Map.Entry<Session, SubscriptionOptions> e = members.get(Math.floorMod(start + i, size));
            if (e.getKey().isConnected()) {
                pick = e;
                break;
            }
        }
        SubscriptionOptions o = pick.getValue();
        int qos = Math.min(Math.min(m.qos(), o.qos()), maxQos);
        int[] ids = o.subscriptionId() > 0 ? new int[]{o.subscriptionId()} : new int[0];
        pick.getKey().offer(new Pending(m, qos, o.retainAsPublished() && m.retain(), ids, group, filter));
        return true;
    }

    /** Re-dispatches what a departing shared-subscription member held. */
    public void redistribute(Session from, List<Pending> held) {
        for (Pending p : held) {
            if (!dispatchShared(p.shareGroup(), p.shareFilter(), p.message(), from, null)) {
                from.offer(p); // nobody else in the group: keep it for this member
            }
        }
    }

    private record Merged(SubscriptionOptions options, int[] ids) {
    }

    /** Collects matches; allocates a map only when more than one plain subscription matched. */
    private static final class Collector implements SubscriptionTree.Matches<Session> {
        private final String publisher;
        Session single;
        SubscriptionOptions singleOptions;
        IdentityHashMap<Session, Merged> many;
        List<SubscriptionTree.SharedGroup<Session>> groups;

        Collector(String publisher) {
            this.publisher = publisher;
        }

        @Override
        public void subscriber(Session s, SubscriptionOptions o) {
            if (o.noLocal() && s.clientId().equals(publisher)) {
                return;
            }
            if (single == null && many == null) {
                single = s;
                singleOptions = o;
                return;
            }
            if (many == null) {
                many = new IdentityHashMap<>();
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
        public void group(SubscriptionTree.SharedGroup<Session> g) {
            if (groups == null) {
                groups = new ArrayList<>(2);
            }
            groups.add(g);
        }
    }
}
