package io.perch.broker.testkit;

import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.Phase;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A durable {@link SessionPersistence} over plain maps that outlives the brokers of one test:
 * it applies every change as a store would, and gives sessions back to a new broker. A real
 * implementation of the SPI (the Redis store is another), kept in memory so that a test can
 * stop a broker, start a new one on the same store, and see what a restart keeps.
 */
public final class MapPersistence implements SessionPersistence {
    private static final class Stored {
        final Map<String, String> forwardMarks = new java.util.HashMap<>();
        int protocolVersion;
        long expiry;
        long disconnectedAt;
        long createdAt;
        final Map<String, SubscriptionOptions> subscriptions = new LinkedHashMap<>();
        final TreeMap<Long, StoredSession.Outbound> messages = new TreeMap<>();
        final Set<Integer> awaitingRel = new LinkedHashSet<>();
        StoredSession.StoredWill will;
    }

    private final Map<String, Stored> sessions = new HashMap<>();
    private final Map<MessageId, Message> bodies = new HashMap<>();
    /** Every change applied, in order (for tests that look at what was written). */
    public final List<Change> log = new CopyOnWriteArrayList<>();

    @Override
    public boolean durable() {
        return true;
    }

    /** The changes written inside each {@link #group()}, by any thread, once the group closed. */
    public final List<List<Change>> groups = new CopyOnWriteArrayList<>();
    private final List<List<Change>> openGroups = new ArrayList<>();

    @Override
    public synchronized Group group() {
        List<Change> inside = new ArrayList<>();
        openGroups.add(inside);
        return () -> {
            synchronized (MapPersistence.this) {
                openGroups.remove(inside);
                groups.add(List.copyOf(inside));
            }
        };
    }

    @Override
    public synchronized CompletionStage<Void> write(List<Change> batch) {
        CompletableFuture<Void> gate = writeGate;
        if (dropFailed && gate.isCompletedExceptionally()) {
            return gate; // dropped, as Redis's pipeline drops a write past its backlog bound
        }
        for (Change c : batch) {
            log.add(c);
            apply(c);
        }
        openGroups.forEach(g -> g.addAll(batch));
        java.util.concurrent.Executor async = completeOn;
        return async == null ? gate : gate.thenRunAsync(() -> { }, async);
    }

    /**
     * With a failed {@link #writeGate}: true, a write is not applied either (a write dropped);
     * false (the default), it is applied but not confirmed (a replica count not reached).
     */
    public volatile boolean dropFailed;

    /** When set, each write's answer comes from this executor: a store whose replies arrive on its own thread. */
    public volatile java.util.concurrent.Executor completeOn;

    /**
     * What {@link #write} returns: the changes are applied at once, but a test may hold back
     * (or fail) the "durable" answer to see what waits for it.
     */
    public volatile CompletableFuture<Void> writeGate = CompletableFuture.completedFuture(null);

    private void apply(Change c) {
        if (c instanceof Change.SessionSaved s) {
            Stored st = sessions.computeIfAbsent(s.clientId(), k -> new Stored());
            st.protocolVersion = s.protocolVersion();
            st.expiry = s.expiryIntervalSeconds();
            st.disconnectedAt = s.disconnectedAt();
            if (s.createdAt() > 0) {
                st.createdAt = s.createdAt();
            }
        } else if (c instanceof Change.SessionDeleted d) {
            sessions.remove(d.clientId());
        } else if (c instanceof Change.SubscriptionAdded a) {
            session(a.clientId()).subscriptions.put(a.key(), a.options());
        } else if (c instanceof Change.SubscriptionDeleted d) {
            session(d.clientId()).subscriptions.remove(d.key());
        } else if (c instanceof Change.MessageAdded m) {
            bodies.putIfAbsent(m.message().id(), m.message());
        } else if (c instanceof Change.SessionMessageAdded a) {
            StoredSession.Outbound before = session(a.clientId()).messages.get(a.seq());
            if (before != null && !before.message().id().equals(a.messageId())) {
                // The same message written again under its seq is a store missing a write being
                // repaired (Session.offerAgain); another message under a taken seq is a bug.
                throw new IllegalStateException("seq " + a.seq() + " taken by another message: " + a);
            }
            session(a.clientId()).messages.put(a.seq(), new StoredSession.Outbound(a.seq(), body(a.messageId()), a.qos(),
                    a.retain(), a.subscriptionIds(), a.shareGroup(), a.shareFilter(), 0, Phase.QUEUED));
        } else if (c instanceof Change.SessionMessageUpdated u) {
            StoredSession.Outbound o = session(u.clientId()).messages.get(u.seq());
            if (o == null) {
                throw new IllegalStateException("update of an unknown session message " + u);
            }
            session(u.clientId()).messages.put(u.seq(), new StoredSession.Outbound(o.seq(), o.message(), o.qos(),
                    o.retain(), o.subscriptionIds(), o.shareGroup(), o.shareFilter(), u.packetId(), u.phase()));
        } else if (c instanceof Change.SessionMessageDeleted d) {
            session(d.clientId()).messages.remove(d.seq());
        } else if (c instanceof Change.ForwardMarked m) {
            session(m.clientId()).forwardMarks.put(m.inbox(), m.entryId());
        } else if (c instanceof Change.AwaitingRelAdded a) {
            session(a.clientId()).awaitingRel.add(a.packetId());
        } else if (c instanceof Change.AwaitingRelDeleted d) {
            session(d.clientId()).awaitingRel.remove(d.packetId());
        } else if (c instanceof Change.WillSet w) {
            session(w.clientId()).will = new StoredSession.StoredWill(w.will(), w.delaySeconds());
        } else if (c instanceof Change.WillDeleted w) {
            Stored st = sessions.get(w.clientId());
            if (st != null) {
                st.will = null;
            }
        } else {
            throw new IllegalArgumentException("unknown change " + c);
        }
    }

    /** A change for a session the store does not have is the broker's bug: fail loudly. */
    private Stored session(String clientId) {
        Stored st = sessions.get(clientId);
        if (st == null) {
            throw new IllegalStateException("change for a session never saved: " + clientId);
        }
        return st;
    }

    private Message body(MessageId id) {
        Message m = bodies.get(id);
        if (m == null) {
            throw new IllegalStateException("session message before its body: " + id);
        }
        return m;
    }

    /** What {@link #clockFloor()} answers: the highest clock reading (µs) behind a stored seq or id. */
    public volatile long clockFloor;

    @Override
    public CompletionStage<Long> clockFloor() {
        return CompletableFuture.completedFuture(clockFloor);
    }

    /** Loads complete only when this completes (a test holds it to catch what happens meanwhile). */
    public volatile CompletableFuture<Void> loadGate = CompletableFuture.completedFuture(null);

    /** How many loads the broker asked for. */
    public final java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();

    /** When set, a load reads the maps when it is asked and answers at {@link #loadGate}: writes in between are not in it. */
    public volatile boolean loadReadsFirst;

    @Override
    public CompletionStage<Optional<StoredSession>> load(String clientId) {
        loads.incrementAndGet();
        if (loadReadsFirst) {
            Optional<StoredSession> read = stored(clientId);
            return loadGate.thenApply(v -> read);
        }
        return loadGate.thenApply(v -> stored(clientId));
    }

    /** What {@link #restore} waits for: a test holds it back to see what a broker does while it reads. */
    public volatile CompletableFuture<Void> restoreGate = CompletableFuture.completedFuture(null);

    /** Sessions a restore leaves out, as a cluster node's store leaves out other nodes' sessions. */
    public final java.util.Set<String> restoreLeavesOut = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** What a restore would give for these clients (a dead node's sessions, for a test to adopt). */
    public List<Dormant> dormant(String... clientIds) {
        java.util.Set<String> wanted = java.util.Set.of(clientIds);
        return restoreAll().stream().filter(d -> wanted.contains(d.clientId())).toList();
    }

    @Override
    public CompletionStage<List<Dormant>> restore() {
        return restoreGate.thenApply(v -> restoreAll().stream().filter(d -> !restoreLeavesOut.contains(d.clientId())).toList());
    }

    private synchronized List<Dormant> restoreAll() {
        List<Dormant> out = new ArrayList<>();
        sessions.forEach((id, s) -> out.add(new Dormant(id, s.disconnectedAt, s.expiry,
                Map.copyOf(s.subscriptions), s.messages.size(), s.will, s.protocolVersion,
                Map.copyOf(s.forwardMarks))));
        return out;
    }

    /** Whether a session is stored for this client. */
    public synchronized boolean has(String clientId) {
        return sessions.containsKey(clientId);
    }

    /** What the store holds for a client now (empty when nothing). */
    public synchronized Optional<StoredSession> stored(String clientId) {
        Stored st = sessions.get(clientId);
        return Optional.ofNullable(st).map(s -> snapshot(clientId, s));
    }

    private static StoredSession snapshot(String clientId, Stored s) {
        return new StoredSession(clientId, s.protocolVersion, s.expiry, s.disconnectedAt, Map.copyOf(s.subscriptions),
                List.copyOf(s.messages.values()), Set.copyOf(s.awaitingRel), s.will, s.createdAt,
                Map.copyOf(s.forwardMarks));
    }
}
