package io.perch.broker.core;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.SessionPersistence.Dormant;
import io.perch.broker.persist.DurableWrites;
import io.perch.broker.route.NotInMemory;
import io.perch.broker.session.KeptSessions;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionStore;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.topic.SubscriptionTree;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions a durable store keeps that this process does not hold in memory: after a restart,
 * until their client returns (then they are loaded) or they expire. Their subscriptions are in
 * the tree, so messages published meanwhile are written to the store for them (or, while the
 * returning client's session loads, held here and handed to it once loaded), up to
 * max_mqueue_len and max_mqueue_bytes per session. Knowing them also lets a clean start delete a stored session and
 * a CONNECT load only what exists. Each has its expiry and, for a will that was never sent,
 * its will time, as if the process had not stopped, in one time-ordered set that a periodic
 * task looks at; both are dropped when the client returns.
 *
 * <p>Threads: every change to an entry holds the client id's lock ({@link ClientLocks}), as
 * opening a session does, so a message routed while the client connects lands either in the
 * store before the load, in the load's buffer, or in the new session. The map is concurrent so
 * that a lookup needs no lock.
 */
public final class DormantSessions implements NotInMemory {
    private static final Logger log = LoggerFactory.getLogger(DormantSessions.class);

    /** When something is due for a client: its session expires, or its will goes out. */
    private record Deadline(long at, String clientId, boolean expiry) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            int c = Long.compare(at, o.at);
            if (c != 0) {
                return c;
            }
            c = clientId.compareTo(o.clientId);
            return c != 0 ? c : Boolean.compare(expiry, o.expiry);
        }
    }

    private final class Entry {
        final Dormant dormant;
        Deadline expiry;
        Deadline will;
        /** Messages kept for it in the store: the store's count at start, plus those written since. */
        long kept;
        /**
         * Payload bytes written for it since this process started. The bytes it held before
         * are not known without reading its messages from Redis (the store's restore counts
         * messages, not bytes), so max_mqueue_bytes bounds only what arrives after a restart;
         * the loaded session applies the whole bound ({@code Delivery.restore}), dropping the
         * oldest QoS 0 or the newest past it.
         */
        long keptBytes;
        /** Non-null while the client's session loads: what was routed to it meanwhile, in order. */
        List<Pending> loading;
        /** The last inbox entry it accepted per inbox: stored ones, then those written since. */
        final io.perch.broker.cluster.ForwardMarks forwardMarks;
        /** Taken over from a dead node: the seqs reserved for what its inbox held; else null. */
        DrainSeqs drain;

        Entry(Dormant dormant) {
            this.dormant = dormant;
            this.kept = dormant.messages();
            this.forwardMarks = io.perch.broker.cluster.ForwardMarks.of(dormant.forwardMarks());
        }

        void cancel() {
            if (expiry != null) {
                deadlines.remove(expiry);
            }
            if (will != null) {
                deadlines.remove(will);
            }
        }
    }

    /** How often the deadlines are looked at: session expiry and will delay are whole seconds. */
    private static final long TICK_MS = 500;
    private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
    /**
     * When a full stored queue was last logged (at most every 10 s, across all dormant
     * sessions). Written under different client locks: a race costs one extra line, no more.
     */
    private volatile long lastDropLog;
    /**
     * Expiries and will times of all dormant sessions in time order, looked at by one periodic
     * task: a million stored sessions cost a million small records, not a million timers.
     */
    private final ConcurrentSkipListSet<Deadline> deadlines = new ConcurrentSkipListSet<>();
    private final int maxQueue;
    private final long maxQueueBytes;
    /** Counts each entry once, from restore until take or expiry (mqtt.max_stored_sessions). */
    private final KeptSessions keptSessions;
    /** Set once, by restore at start; runs on the broker's event loops and ends with them. */
    private ScheduledFuture<?> ticker;
    /** Where wills go; set by restore at start. */
    private volatile Publisher publisher;
    private final ClientLocks locks;
    private final SessionStore live;
    private final SessionPersistence persistence;
    private final SubscriptionTree<String> tree;
    private final ScheduledExecutorService scheduler;
    private final MessageIdGenerator ids;
    private final AtomicLong seqs;
    private final BrokerStats stats;
    private final String node;
    private final boolean storeQos0;
    private final io.perch.broker.cluster.Cluster cluster;

    public DormantSessions(ClientLocks locks, SessionStore live, SessionPersistence persistence,
                           SubscriptionTree<String> tree, ScheduledExecutorService scheduler, MessageIdGenerator ids,
                           AtomicLong seqs, BrokerStats stats, String node, boolean storeQos0, int maxQueue,
                           long maxQueueBytes, KeptSessions keptSessions) {
        this(locks, live, persistence, tree, scheduler, ids, seqs, stats, node, storeQos0, maxQueue, maxQueueBytes,
                keptSessions, io.perch.broker.cluster.Cluster.NONE);
    }

    /** @param cluster told when a stored session ends here, so its client id is this node's no more */
    public DormantSessions(ClientLocks locks, SessionStore live, SessionPersistence persistence,
                           SubscriptionTree<String> tree, ScheduledExecutorService scheduler, MessageIdGenerator ids,
                           AtomicLong seqs, BrokerStats stats, String node, boolean storeQos0, int maxQueue,
                           long maxQueueBytes, KeptSessions keptSessions, io.perch.broker.cluster.Cluster cluster) {
        this.cluster = cluster;
        this.maxQueue = maxQueue;
        this.maxQueueBytes = maxQueueBytes;
        this.keptSessions = keptSessions;
        this.locks = locks;
        this.live = live;
        this.persistence = persistence;
        this.tree = tree;
        this.scheduler = scheduler;
        this.ids = ids;
        this.seqs = seqs;
        this.stats = stats;
        this.node = node;
        this.storeQos0 = storeQos0;
    }

    /**
     * At start: every stored session becomes known, its subscriptions enter the tree, and its
     * expiry and unsent will are scheduled: the will at the disconnect time plus its delay (now
     * plus the delay when its client was connected when the process stopped), at the latest
     * when the session expires.
     */
    /**
     * The seqs reserved for a dead node's inbox when its sessions were taken over here: below
     * every seq given since, so that what it held (published first) loads before what came
     * here meanwhile. They carry writer id 0, not this node's: a CONNECT here that began to take
     * the session over before the reap keeps its own messages, which its load puts after every
     * other node's, and the inbox's must come before those too. Past the reservation, seqs are
     * given as usual. Thread-safe.
     */
    static final class DrainSeqs {
        private final String inbox;
        private final java.util.concurrent.atomic.AtomicLong next;
        private final long end;

        DrainSeqs(String inbox, long first, long count) {
            this.inbox = inbox;
            this.next = new java.util.concurrent.atomic.AtomicLong(first);
            this.end = first + count * io.perch.broker.session.Seqs.step();
        }

        /** A reserved seq for an entry read from that inbox, or 0 (none, or none left). */
        long take(io.perch.broker.cluster.InboxPosition read) {
            if (read == null || !read.inbox().equals(inbox)) {
                return 0;
            }
            long s = next.getAndAdd(io.perch.broker.session.Seqs.step());
            return s < end ? io.perch.broker.session.Seqs.asNoWriter(s) : 0;
        }
    }

    void restore(List<Dormant> stored, Publisher publisher, RestoreGate gate) {
        restore(stored, publisher, gate, null);
    }

    /** {@code drain}: the sessions are a dead node's, taken over ({@link DrainSeqs}); null at start. */
    void restore(List<Dormant> stored, Publisher publisher, RestoreGate gate, DrainSeqs drain) {
        this.publisher = publisher;
        long now = System.currentTimeMillis();
        for (Dormant d : stored) {
            String id = d.clientId();
            synchronized (locks.of(id)) {
                if (live.get(id) != null || gate.decidedEarly(id)) {
                    continue; // its client started clean before the restore got here
                }
                Entry e = new Entry(d);
                e.drain = drain;
                if (gate.isLoadingEarly(id)) {
                    e.loading = new ArrayList<>(); // its CONNECT is reading it: hold what comes for it
                }
                long gone = d.disconnectedAt() > 0 ? d.disconnectedAt() : now;
                if (d.disconnectedAt() <= 0) {
                    // Its client was connected when the process stopped: disconnected from now on,
                    // and the store says so, or every restart would start its expiry afresh.
                    persistence.write(List.of(new Change.SessionSaved(id, d.protocolVersion(),
                            d.expiryIntervalSeconds(), now)));
                }
                long expiresAt = Long.MAX_VALUE;
                if (d.expiryIntervalSeconds() != SessionManager.NEVER_EXPIRE) {
                    expiresAt = gone + d.expiryIntervalSeconds() * 1000;
                    e.expiry = new Deadline(expiresAt, id, true);
                    deadlines.add(e.expiry);
                }
                if (d.will() != null) {
                    e.will = new Deadline(Math.min(expiresAt, gone + d.will().delaySeconds() * 1000), id, false);
                    deadlines.add(e.will);
                }
                Entry old = byId.put(id, e);
                if (old != null) {
                    old.cancel();
                    if (e.loading == null) {
                        e.loading = old.loading; // its CONNECT is reading it (a reap tried again): still held for it
                    }
                } else {
                    keptSessions.add(); // stored already: over the bound or not, it is not refused
                }
                d.subscriptions().forEach((key, o) -> tree.addKey(key, id, o));
            }
        }
        if (!stored.isEmpty()) {
            log.info("{} stored sessions known; each is loaded when its client connects", stored.size());
            if (ticker == null) {
                ticker = scheduler.scheduleWithFixedDelay(() -> due(publisher), TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Runs what is due: expiries and wills whose time has come, oldest first. */
    private void due(Publisher publisher) {
        long now = System.currentTimeMillis();
        for (Deadline d; (d = deadlines.isEmpty() ? null : deadlines.first()) != null && d.at() <= now; ) {
            if (!deadlines.remove(d)) {
                continue; // cancelled meanwhile
            }
            try {
                if (d.expiry()) {
                    expire(d.clientId(), publisher);
                } else {
                    publishWill(d.clientId(), publisher);
                }
            } catch (RuntimeException ex) {
                log.warn("stored session {}: {} failed: {}", d.clientId(), d.expiry() ? "expiry" : "will", ex.toString());
            }
        }
    }

    /**
     * The client is back (its CONNECT, under its id's lock, before its session is loaded or
     * taken): what fell due for it and the periodic task has not run yet (just after a start,
     * when the expiry or will delay passed while the broker was down) runs now, as it would have
     * at its time. A will whose delay passed is sent; a session whose expiry passed ends, so the
     * CONNECT finds none (session present 0) rather than resuming an expired one.
     */
    void runDue(String clientId) {
        Entry e = byId.get(clientId);
        Publisher p = publisher;
        if (e == null || p == null || e.loading != null) {
            return;
        }
        long now = System.currentTimeMillis();
        Deadline will = e.will;
        if (will != null && will.at() <= now && deadlines.remove(will)) {
            publishWill(clientId, p);
        }
        Deadline expiry = e.expiry;
        if (expiry != null && expiry.at() <= now && deadlines.remove(expiry)) {
            expire(clientId, p);
        }
    }

    boolean contains(String clientId) {
        return byId.containsKey(clientId);
    }

    /**
     * A message routed to a client without a session in memory (the router found its client id
     * in the tree): written to the store for it, or held while its session loads. False when
     * the client is neither stored nor live (its session just ended).
     */
    @Override
    public boolean offer(String clientId, Pending p, DurableWrites writes) {
        return offer(clientId, p, writes, null);
    }

    @Override
    public boolean offer(String clientId, Pending p, DurableWrites writes, io.perch.broker.cluster.InboxPosition read) {
        synchronized (locks.of(clientId)) {
            Entry e = byId.get(clientId);
            if (e == null) {
                Session s = live.get(clientId); // opened while this waited for the lock
                if (s == null) {
                    return false;
                }
                writes.add(read == null ? s.offer(p) : s.offerForwarded(p, read));
                return true;
            }
            Change mark = null;
            if (read != null) {
                if (e.forwardMarks.seen(read)) {
                    return true; // an inbox entry read again after a crash: the session took it already
                }
                if (p.qos() == 2) {
                    mark = new Change.ForwardMarked(clientId, read.inbox(), read.entryId());
                }
            }
            if (p.message().isExpired(System.currentTimeMillis()) || (p.qos() == 0 && !storeQos0)) {
                return true; // as a session in memory would: not kept for an offline client
            }
            long size = p.message().payload().length;
            if ((maxQueue > 0 && e.kept >= maxQueue) || (maxQueueBytes > 0 && e.keptBytes + size > maxQueueBytes)) {
                // The stored queue is full (as max_mqueue_len and max_mqueue_bytes bound a session in
                // memory): the new one goes. Not a queued QoS 0 first, as in memory: which are QoS 0
                // is in the store, and the loaded session applies that rule to what it finds.
                stats.messagesDropped.increment();
                stats.messagesDroppedQueueFull.increment();
                long now = System.currentTimeMillis();
                if (now - lastDropLog > 10_000) {
                    lastDropLog = now;
                    log.warn("stored session {}: queue full ({} messages, {} payload bytes written since start;"
                            + " max_mqueue_len={}, max_mqueue_bytes={}), dropping new messages", clientId, e.kept,
                            e.keptBytes, maxQueue, maxQueueBytes);
                }
                return true;
            }
            e.kept++;
            e.keptBytes += size;
            long reserved = e.drain == null ? 0 : e.drain.take(read);
            long seq = reserved != 0 ? reserved : io.perch.broker.session.Seqs.next(seqs);
            Change added = new Change.SessionMessageAdded(clientId, seq, p.message().id(), p.qos(), p.retain(),
                    p.subscriptionIds(), p.shareGroup(), p.shareFilter());
            CompletionStage<Void> stored = persistence.write(mark == null
                    ? List.of(new Change.MessageAdded(p.message()), added)
                    : List.of(new Change.MessageAdded(p.message()), added, mark));
            writes.add(stored);
            if (read != null) {
                // Taken once stored, not before: the write is this session's only copy, and an entry
                // whose write failed (refused by a stale fence, say) is delivered again, not skipped.
                Entry taken = e;
                stored.thenRun(() -> {
                    synchronized (locks.of(clientId)) {
                        taken.forwardMarks.mark(read);
                    }
                });
            }
            if (e.loading != null) {
                // Written as well, so that the acknowledgement may wait for it; the loaded session
                // takes it from here unless the load already read it (same seq).
                e.loading.add(p.withSeq(seq));
            }
            return true;
        }
    }

    /** The client is back and its session is being loaded: hold what is routed to it meanwhile. */
    void loading(String clientId) {
        synchronized (locks.of(clientId)) {
            Entry e = byId.get(clientId);
            if (e != null && e.loading == null) {
                e.loading = new ArrayList<>();
            }
        }
    }

    /**
     * Cluster: this node is about to take the client over from another node. Its stored
     * subscriptions are routed to here from now on, and what comes is written and held, as for
     * a session that loads; its expiry and will stay the other node's until the load. False
     * when the client is already here (live or dormant).
     */
    boolean prepareTakeover(Dormant d) {
        String id = d.clientId();
        synchronized (locks.of(id)) {
            if (live.get(id) != null || byId.containsKey(id)) {
                return false;
            }
            Entry e = new Entry(d);
            e.loading = new ArrayList<>();
            byId.put(id, e);
            keptSessions.add();
            d.subscriptions().forEach((key, o) -> tree.addKey(key, id, o));
            return true;
        }
    }

    /** The subscriptions a dormant entry routes to, or null when there is none. */
    java.util.Set<String> subscriptionKeys(String clientId) {
        Entry e = byId.get(clientId);
        return e == null ? null : e.dormant.subscriptions().keySet();
    }

    /** The load failed: the session stays dormant; what was held is in the store already. */
    void loadFailed(String clientId) {
        synchronized (locks.of(clientId)) {
            Entry e = byId.get(clientId);
            if (e != null) {
                e.loading = null;
            }
        }
    }

    /**
     * The client is back (under its lock): forgets the entry, its timers cancelled, and returns
     * what was held for it while its session loaded (null when it was not dormant). Its tree
     * entries stay when {@code restoring} (the loaded session has the same subscriptions) and go
     * otherwise (a clean start, or nothing to load after all).
     */
    List<Pending> take(String clientId, boolean restoring) {
        Entry e = byId.remove(clientId);
        if (e == null) {
            return null;
        }
        e.cancel();
        keptSessions.remove(); // a restored session counts itself again once in memory
        if (!restoring) {
            e.dormant.subscriptions().keySet().forEach(key -> tree.removeKey(key, clientId));
        }
        return e.loading == null ? List.of() : e.loading;
    }

    private void expire(String clientId, Publisher publisher) {
        synchronized (locks.of(clientId)) {
            Entry e = byId.get(clientId);
            if (e == null || live.get(clientId) != null || e.loading != null) {
                return; // the client came back (or is loading): its session lives on in memory
            }
            byId.remove(clientId);
            keptSessions.remove();
            e.dormant.subscriptions().keySet().forEach(key -> tree.removeKey(key, clientId));
            // A session's end sends its will.
            ended(clientId, e.will != null && deadlines.remove(e.will) ? e.dormant.will() : null, publisher);
        }
    }

    /** An expired session ends: its will (if still due) goes, it is counted, and the store deletes it. */
    private void ended(String clientId, io.perch.broker.persist.StoredSession.StoredWill will, Publisher publisher) {
        if (will != null) {
            publish(clientId, will.message(), publisher);
        }
        stats.sessionsExpired.increment();
        log.info("stored session {} expired", clientId);
        persistence.write(List.of(new Change.SessionDeleted(clientId)));
        if (cluster.enabled()) {
            cluster.disown(clientId); // its client id is nobody's now (and leaves this node's owned set)
        }
    }

    /**
     * A session a CONNECT read from the store itself (the broker listens before its own read of
     * the stored sessions is done) that expired while the broker was down: as its expiry would
     * have, its will goes (if it has one) and the store deletes it. Under the client id's lock.
     */
    void expiredOnLoad(String clientId, io.perch.broker.persist.StoredSession stored, Publisher publisher) {
        ended(clientId, stored.will(), publisher);
    }

    private void publishWill(String clientId, Publisher publisher) {
        synchronized (locks.of(clientId)) {
            Entry e = byId.get(clientId);
            if (e == null || live.get(clientId) != null || e.loading != null) {
                return;
            }
            e.will = null;
            publish(clientId, e.dormant.will().message(), publisher);
            persistence.write(List.of(new Change.WillDeleted(clientId)));
        }
    }

    private void publish(String clientId, Message template, Publisher publisher) {
        log.info("publishing the will of stored session {}", clientId);
        publisher.publish(ClientInfo.system(clientId, node), Wills.publishable(template, ids));
    }

    /** How many stored sessions are known and not loaded (for operators). */
    public int size() {
        return byId.size();
    }
}
