package io.perch.broker.topic;

import io.perch.broker.message.SubscriptionOptions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;

/**
 * Subscriptions by filter in a trie of topic levels.
 *
 * <p>Complexity: matching a topic of L levels visits at most the nodes on the paths the topic
 * can take through literal, '+' and '#' children: O(L x w) with w the number of wildcard
 * branches met, independent of the total number of subscriptions. Adding or removing is O(L).
 * Filters that start with a wildcard are not followed for topics starting with '$'
 * (MQTT-4.7.2-1).
 *
 * <p>Concurrency: one read-write lock for the whole tree. Many publishers match at once under
 * the read lock; subscribe/unsubscribe take the write lock briefly. Readers do not wait for
 * each other, but every match still updates the lock's shared reader count, a cache line that
 * all publishing cores write; striping by first level (as HiveMQ does) or a lock-free trie
 * (Moquette's CTrie) would remove that, and is the next step where fan-in on many cores
 * needs it. Subscribers are kept per node; shared subscriptions are kept per group so that a
 * publish picks one member of each group. Matching walks without recursion (see match).
 *
 * @param <S> the subscriber: a client id in the broker (so the tree can be rebuilt from stored
 *            subscriptions and name sessions that are not in memory)
 */
public final class SubscriptionTree<S> {

    /** Members of one share group on one filter, chosen round-robin. */
    public static final class SharedGroup<S> {
        public final String group;
        public final String filter;
        final LinkedHashMap<S, SubscriptionOptions> members = new LinkedHashMap<>();
        private int next;

        SharedGroup(String group, String filter) {
            this.group = group;
            this.filter = filter;
        }

        /** Round-robin start index for the next pick. */
        public synchronized int nextIndex(int size) {
            int i = Math.floorMod(next, size);
            next = i + 1;
            return i;
        }
    }

    private static final class Node<S> {
        Map<String, Node<S>> children;
        Map<S, SubscriptionOptions> subscribers;
        Map<String, SharedGroup<S>> shared;

        boolean isEmpty() {
            return (children == null || children.isEmpty()) && (subscribers == null || subscribers.isEmpty())
                    && (shared == null || shared.isEmpty());
        }
    }

    /** Receives matches: plain subscribers with their options, and shared groups. */
    public interface Matches<S> {
        void subscriber(S subscriber, SubscriptionOptions options);

        void group(SharedGroup<S> group);
    }

    /**
     * Told when a route key (a filter, or {@code $share/g/filter}) gains its first subscriber
     * or loses its last: a cluster node announces its routes from these. Called under the
     * write lock, in the order the changes happen, so it must only record them.
     */
    public interface RouteListener {
        RouteListener NONE = new RouteListener() {
            @Override
            public void routeAdded(String key) {
            }

            @Override
            public void routeRemoved(String key) {
            }
        };

        void routeAdded(String key);

        void routeRemoved(String key);
    }

    private final Node<S> root = new Node<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final RouteListener routes;

    public SubscriptionTree() {
        this(RouteListener.NONE);
    }

    public SubscriptionTree(RouteListener routes) {
        this.routes = routes;
    }
    private int plainCount;
    private int sharedCount;

    /** Adds or replaces; true when the subscription is new. */
    public boolean add(String filter, S subscriber, SubscriptionOptions options) {
        lock.writeLock().lock();
        try {
            Node<S> n = nodeFor(filter, true);
            if (n.subscribers == null) {
                n.subscribers = new HashMap<>(4);
            }
            boolean isNew = n.subscribers.put(subscriber, options) == null;
            if (isNew) {
                plainCount++;
                if (n.subscribers.size() == 1) {
                    routes.routeAdded(filter);
                }
            }
            return isNew;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Adds a parsed subscription: to its share group when it has one. True when new. */
    public boolean add(Topics.Parsed parsed, S subscriber, SubscriptionOptions options) {
        return parsed.isShared() ? addShared(parsed.group(), parsed.filter(), subscriber, options)
                : add(parsed.filter(), subscriber, options);
    }

    /**
     * Adds a subscription keyed as a session keeps it ({@code a/b}, {@code $share/g/a/b},
     * {@code $queue/a/b}). True when new; false when it replaced one or the key is malformed.
     */
    public boolean addKey(String key, S subscriber, SubscriptionOptions options) {
        Topics.Parsed p = Topics.parseSubscription(key);
        return p != null && add(p, subscriber, options);
    }

    /** Removes a subscription keyed as a session keeps it; true when it was there. */
    public boolean removeKey(String key, S subscriber) {
        Topics.Parsed p = Topics.parseSubscription(key);
        if (p == null) {
            return false;
        }
        return p.isShared() ? removeShared(p.group(), p.filter(), subscriber) : remove(p.filter(), subscriber);
    }

    public boolean remove(String filter, S subscriber) {
        lock.writeLock().lock();
        try {
            Node<S> n = nodeFor(filter, false);
            if (n == null || n.subscribers == null || n.subscribers.remove(subscriber) == null) {
                return false;
            }
            plainCount--;
            if (n.subscribers.isEmpty()) {
                routes.routeRemoved(filter);
            }
            prune(filter);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean addShared(String group, String filter, S subscriber, SubscriptionOptions options) {
        lock.writeLock().lock();
        try {
            Node<S> n = nodeFor(filter, true);
            if (n.shared == null) {
                n.shared = new HashMap<>(2);
            }
            SharedGroup<S> g = n.shared.computeIfAbsent(group, k -> new SharedGroup<>(k, filter));
            boolean isNew = g.members.put(subscriber, options) == null;
            if (isNew) {
                sharedCount++;
                if (g.members.size() == 1) {
                    routes.routeAdded(Topics.key(group, filter));
                }
            }
            return isNew;
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean removeShared(String group, String filter, S subscriber) {
        lock.writeLock().lock();
        try {
            Node<S> n = nodeFor(filter, false);
            if (n == null || n.shared == null) {
                return false;
            }
            SharedGroup<S> g = n.shared.get(group);
            if (g == null || g.members.remove(subscriber) == null) {
                return false;
            }
            sharedCount--;
            if (g.members.isEmpty()) {
                n.shared.remove(group);
                routes.routeRemoved(Topics.key(group, filter));
            }
            prune(filter);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** An unmodifiable snapshot of the group's members now (for redistribution), or an empty list. */
    public List<Map.Entry<S, SubscriptionOptions>> sharedMembers(String group, String filter) {
        lock.readLock().lock();
        try {
            Node<S> n = nodeFor(filter, false);
            if (n == null || n.shared == null || !n.shared.containsKey(group)) {
                return List.of();
            }
            return List.copyOf(n.shared.get(group).members.entrySet());
        } finally {
            lock.readLock().unlock();
        }
    }

    public void match(String topic, Matches<S> out) {
        String[] levels = split(topic);
        boolean dollar = topic.startsWith("$");
        lock.readLock().lock();
        try {
            match(levels, dollar, out);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Depth-first over the nodes the topic can reach, without recursion: a topic of thousands
     * of levels against a filter as deep must not overflow the thread's stack. The literal path
     * is followed in the loop itself; '+' branches wait, the latest in two locals and older ones
     * on an explicit stack made only when a second is pending, so the common topic (at most one
     * '+' branch waiting at a time) allocates nothing here.
     */
    private void match(String[] levels, boolean dollar, Matches<S> out) {
        Node<S> waiting = null; // the top of the pending '+' branches
        int waitingDepth = 0;
        MatchStack<S> older = null;
        Node<S> node = root;
        int i = 0;
        while (true) {
            Map<String, Node<S>> ch = node.children;
            Node<S> next = null;
            if (i == levels.length) {
                emit(node, out);
                if (ch != null) {
                    Node<S> hash = ch.get("#");
                    if (hash != null) {
                        emit(hash, out); // "a/#" also matches "a"
                    }
                }
            } else if (ch != null) {
                if (i > 0 || !dollar) {
                    Node<S> hash = ch.get("#");
                    if (hash != null) {
                        emit(hash, out);
                    }
                    Node<S> plus = ch.get("+");
                    if (plus != null) {
                        if (waiting != null) {
                            if (older == null) {
                                older = new MatchStack<>();
                            }
                            older.push(waiting, waitingDepth);
                        }
                        waiting = plus;
                        waitingDepth = i + 1;
                    }
                }
                next = ch.get(levels[i]);
            }
            if (next != null) {
                node = next;
                i++;
            } else if (waiting != null) {
                node = waiting;
                i = waitingDepth;
                waiting = null;
                if (older != null && older.size > 0) {
                    int top = --older.size;
                    waiting = older.nodes[top];
                    waitingDepth = older.depths[top];
                    older.nodes[top] = null;
                }
            } else {
                return;
            }
        }
    }

    /** The pending (node, level) pairs of one match; local to the call. */
    private static final class MatchStack<S> {
        @SuppressWarnings("unchecked")
        Node<S>[] nodes = new Node[4];
        int[] depths = new int[4];
        int size;

        void push(Node<S> n, int depth) {
            if (size == nodes.length) {
                nodes = java.util.Arrays.copyOf(nodes, size * 2);
                depths = java.util.Arrays.copyOf(depths, size * 2);
            }
            nodes[size] = n;
            depths[size] = depth;
            size++;
        }
    }

    private void emit(Node<S> n, Matches<S> out) {
        if (n.subscribers != null) {
            for (Map.Entry<S, SubscriptionOptions> e : n.subscribers.entrySet()) {
                out.subscriber(e.getKey(), e.getValue());
            }
        }
        if (n.shared != null) {
            for (SharedGroup<S> g : n.shared.values()) {
                out.group(g);
            }
        }
    }

    /** Walks every filter that has subscribers: (filter, plain + shared member count). */
    public void forEachFilter(BiConsumer<String, Integer> consumer) {
        walk((filter, n) -> {
            int count = (n.subscribers == null ? 0 : n.subscribers.size());
            if (n.shared != null) {
                for (SharedGroup<S> g : n.shared.values()) {
                    count += g.members.size();
                }
            }
            if (count > 0) {
                consumer.accept(filter, count);
            }
        });
    }

    /**
     * Walks every (filter, subscriber) pair: plain subscribers and share group members, each
     * under its filter (a subscriber in several groups of one filter comes once per group).
     */
    public void forEachSubscriber(BiConsumer<String, S> consumer) {
        walk((filter, n) -> {
            if (n.subscribers != null) {
                for (S s : n.subscribers.keySet()) {
                    consumer.accept(filter, s);
                }
            }
            if (n.shared != null) {
                for (SharedGroup<S> g : n.shared.values()) {
                    for (S s : g.members.keySet()) {
                        consumer.accept(filter, s);
                    }
                }
            }
        });
    }

    /** Every node with its filter, under the read lock. */
    private void walk(BiConsumer<String, Node<S>> visit) {
        lock.readLock().lock();
        try {
            // An explicit stack, as in match: filters may be as deep as max_topic_levels allows.
            ArrayDeque<Map.Entry<String, Node<S>>> stack = new ArrayDeque<>();
            stack.push(Map.entry("", root));
            while (!stack.isEmpty()) {
                Map.Entry<String, Node<S>> top = stack.pop();
                String prefix = top.getKey();
                Node<S> n = top.getValue();
                visit.accept(prefix, n);
                if (n.children != null) {
                    for (Map.Entry<String, Node<S>> e : n.children.entrySet()) {
                        stack.push(Map.entry(n == root ? e.getKey() : prefix + "/" + e.getKey(), e.getValue()));
                    }
                }
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    public int size() {
        lock.readLock().lock();
        try {
            return plainCount;
        } finally {
            lock.readLock().unlock();
        }
    }

    public int sharedSize() {
        lock.readLock().lock();
        try {
            return sharedCount;
        } finally {
            lock.readLock().unlock();
        }
    }

    private Node<S> nodeFor(String filter, boolean create) {
        Node<S> n = root;
        for (String level : split(filter)) {
            if (n.children == null) {
                if (!create) {
                    return null;
                }
                n.children = new HashMap<>(4);
            }
            Node<S> c = n.children.get(level);
            if (c == null) {
                if (!create) {
                    return null;
                }
                c = new Node<>();
                n.children.put(level, c);
            }
            n = c;
        }
        return n;
    }

    /** Removes empty nodes on the filter's path, deepest first, so the trie does not grow forever. */
    private void prune(String filter) {
        String[] levels = split(filter);
        List<Node<S>> path = new ArrayList<>(levels.length + 1);
        Node<S> n = root;
        path.add(n);
        for (String level : levels) {
            n = n.children == null ? null : n.children.get(level);
            if (n == null) {
                return;
            }
            path.add(n);
        }
        for (int i = levels.length; i > 0; i--) {
            if (!path.get(i).isEmpty()) {
                return;
            }
            path.get(i - 1).children.remove(levels[i - 1]);
        }
    }

    /** Splits on '/' keeping empty levels ("a//b" has three levels, "/a" two). */
    static String[] split(String s) {
        int count = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '/') {
                count++;
            }
        }
        String[] out = new String[count];
        int start = 0;
        int k = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '/') {
                out[k++] = s.substring(start, i);
                start = i + 1;
            }
        }
        out[k] = s.substring(start);
        return out;
    }
}
