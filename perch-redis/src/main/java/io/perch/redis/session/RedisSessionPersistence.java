package io.perch.redis.session;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.perch.broker.message.Message;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.redis.client.PseudoCommands;
import io.perch.redis.client.RedisCall;
import io.perch.redis.client.WriteFolds;
import io.perch.redis.client.RedisOp;
import io.perch.redis.codec.Compat;
import io.perch.redis.codec.MessageHash;
import io.perch.redis.config.AckMode;
import io.perch.redis.function.PoolRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * Sessions that outlive their connection, kept in one Redis pool (key layout: {@link SessionKeys},
 * docs/redis-backend.md). Every write and read goes through the pool's ordered pipeline, so a
 * load sees every write submitted before it, and writes queued while Redis is away are replayed.
 *
 * <p>Threads: built on the thread that configures the plugin, bound on the one that starts it;
 * {@link #write} runs on broker threads (under the session's lock), {@link #load} on an event
 * loop, and the stages complete on the pool's pipeline thread, where the reply decoding of
 * load and restore runs too.
 */
public final class RedisSessionPersistence implements SessionPersistence {
    private static final Logger log = LoggerFactory.getLogger(RedisSessionPersistence.class);
    private static final String FUNCTION = "session";
    /** Clients read per restore round trip. */
    static final int RESTORE_PAGE = 1000;

    private final AckMode ack;
    private final SessionWrites writes;
    private final WriteStaging staging;
    private volatile PoolRuntime pool;
    private final AtomicLong missingBodies = new AtomicLong();
    private final AtomicBoolean missingLogged = new AtomicBoolean();
    /**
     * Each write carries its number under a marker of this process ({@code PERCH.ONCE}): a write
     * Redis applied and the pipeline replays (its reply was lost) is skipped, so the reference
     * counts of message bodies are not counted twice. Numbered in submission order: writes under
     * the staging's submit lock, releases on the pipeline thread in reply order.
     */
    private final String instance = Long.toHexString(System.currentTimeMillis()) + "-"
            + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
    private final AtomicLong writeNumbers = new AtomicLong();
    private final AtomicLong releaseNumbers = new AtomicLong();
    /** How long a marker outlives its last write: longer than any outage a replay could follow. */
    private static final long APPLIED_TTL_MS = java.time.Duration.ofDays(7).toMillis();

    /** Where each client's epoch comes from in cluster mode (-1: not fenced); null: no fencing. */
    private volatile java.util.function.ToLongFunction<String> epochOf;
    private final AtomicLong fencedWrites = new AtomicLong();
    private volatile io.micrometer.core.instrument.Counter fencedCounter;
    /** Clients whose refused writes were logged (once each); bounded, then refusals are only counted. */
    private final Set<String> fencedLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int FENCED_LOGGED_MAX = 10_000;
    /**
     * Cluster mode: this node's writer id (the low bits of the seqs it gives), so a load can tell
     * the entries this node stored from those of the nodes that held the session before; -1: none.
     */
    private volatile int ownWriter = -1;
    /** Cluster mode: client id -> the first seq this node gave while taking it over (see {@link #takingOver}). */
    private final Map<String, Long> takeovers = new java.util.concurrent.ConcurrentHashMap<>();
    /** Cluster mode: restore only this node's sessions (and claim those nobody owns); null: restore all. */
    private volatile io.perch.redis.cluster.Ownership restoreOwned;

    public RedisSessionPersistence(Compat compat, AckMode ack) {
        this(compat, ack, java.time.Duration.ZERO);
    }

    /** @param linger how long a session batch may wait for an acknowledgement that makes it moot */
    public RedisSessionPersistence(Compat compat, AckMode ack, java.time.Duration linger) {
        this.ack = ack;
        this.writes = new SessionWrites(compat);
        this.staging = new WriteStaging(this::send, linger);
    }

    /** The pool exists only once the plugin starts, after the broker asked for its stores. */
    public void bind(PoolRuntime runtime) {
        this.pool = runtime;
    }

    /** As {@link #bind(PoolRuntime)}, timing the linger of staged batches on {@code timer}. */
    public void bind(PoolRuntime runtime, java.util.concurrent.ScheduledExecutorService timer) {
        staging.timer(timer);
        this.pool = runtime;
    }

    /**
     * Cluster mode: every session batch of a client whose {@code epochOf} is 0 or more is preceded
     * by {@code PERCH.FENCE} with that epoch, so Redis skips it once another node claimed the
     * client (a newer epoch in {@code perch:owner:{id}}). The batch then fails with
     * {@link FencedWriteException} (its publisher is not acknowledged), and it is counted as
     * {@code perch.cluster.fenced_writes} (one per refused batch). On a Redis Cluster pool the
     * fence and the client's own keys go as one script on its slot, and what lives elsewhere
     * follows as {@link SlotFence} says: a refused batch changes no session key there either.
     * A fenced batch writes its own message bodies (not shared with other batches of the same
     * write), so a refused batch never takes a body another batch needs with it.
     *
     * @param registry where the counter goes; null for none
     */
    public void fencing(java.util.function.ToLongFunction<String> epochOf, io.micrometer.core.instrument.MeterRegistry registry) {
        this.fencedCounter = registry == null ? null : io.micrometer.core.instrument.Counter
                .builder("perch.cluster.fenced_writes")
                .description("session batches refused because another node owns the client now").register(registry);
        this.epochOf = epochOf;
    }

    /**
     * Cluster mode: this node writes seqs with {@code writerId} in their low bits, so a load
     * after {@link #takingOver} can tell what this node kept from what the others stored.
     */
    public void ownWriter(int writerId) {
        this.ownWriter = writerId;
    }

    /** Session batches refused by the fence so far. */
    public long fencedWrites() {
        return fencedWrites.get();
    }

    /**
     * Cluster mode: {@link #restore()} returns only the sessions {@code ownership}'s node owns,
     * and those nobody owns (stored before clustering was on, or let go), which it claims first;
     * sessions another node owns, or claimed by another node meanwhile, are left to it.
     */
    public void restoreOwned(io.perch.redis.cluster.Ownership ownership) {
        this.restoreOwned = ownership;
    }

    /** Session messages skipped on load because their body was gone (expired, or lost). */
    public long missingBodies() {
        return missingBodies.get();
    }

    @Override
    public void takingOver(String clientId, long fromSeq) {
        if (fromSeq < 0) {
            takeovers.remove(clientId);
        } else {
            takeovers.put(clientId, fromSeq);
        }
    }

    @Override
    public boolean durable() {
        return true;
    }

    private PoolRuntime pool() {
        PoolRuntime p = pool;
        if (p == null) {
            throw new IllegalStateException("the Redis session store is not bound to a pool: the redis-backend plugin "
                    + "has not started (or has stopped)");
        }
        return p;
    }

    @Override
    public CompletionStage<Void> write(List<Change> batch) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = staging.stage(batch);
        return ack.kind() == AckMode.Kind.NONE ? CompletableFuture.completedFuture(null) : done;
    }

    /**
     * On a single or Sentinel pool a group's batches go as one {@code EVAL}: applied whole or
     * not at all. On a Cluster pool a write's commands go to the nodes of their slots, and a
     * group's batches are only written together, not atomically.
     */
    @Override
    public CompletionStage<Void> flushed() {
        return staging.barrier();
    }

    @Override
    public Group group() {
        return staging.group();
    }

    /**
     * The staging as the pool's functions see it: a message.publish rule's write made inside a
     * {@link #group()} goes in the group's write (applied with the session writes, whole or not
     * at all), and the pool's other commands keep their order with it.
     */
    public io.perch.redis.function.StagedWrites stagedWrites() {
        return new io.perch.redis.function.StagedWrites() {
            @Override
            public CompletableFuture<Void> stageInGroup(List<RedisCall> calls) {
                return staging.stageInGroup(calls);
            }

            @Override
            public void beforeDirect() {
                staging.beforeDirect();
            }
        };
    }

    /**
     * Translates staged batches, in order, into one durable pipeline write (under the staging's
     * monitor, see {@link WriteStaging}); completes when Redis replied and the bodies of deleted
     * sessions were released.
     */
    private CompletableFuture<Void> send(List<WriteStaging.Staged> batches) {
        PoolRuntime p = pool();
        List<RedisCall> calls = new ArrayList<>();
        calls.add(null); // PERCH.ONCE goes first once the write's size is known
        List<Integer> dropped = new ArrayList<>(0);
        java.util.Set<io.perch.broker.message.MessageId> bodies = new java.util.HashSet<>();
        java.util.function.ToLongFunction<String> epochs = epochOf;
        List<Fence> fences = new ArrayList<>(0);
        // Redis Cluster: forward marks of unfenced batches, sent once the rest is stored (see below).
        List<RedisCall> marks = new ArrayList<>(0);
        boolean cluster = p.isCluster();
        RefCounts refs = new RefCounts();
        WriteMemo memo = writes.memo();
        for (WriteStaging.Staged s : batches) {
            if (s.rule != null) {
                calls.addAll(s.rule);
                continue;
            }
            String client = epochs == null ? null : clientOf(s.changes);
            long epoch = client == null ? -1 : epochs.applyAsLong(client);
            SessionWrites.Writes w;
            try {
                w = writes.translate(s.changes, epoch >= 0 ? new java.util.HashSet<>() : bodies, memo, !cluster);
            } catch (RuntimeException e) {
                // That batch fails alone (its publisher is refused, not acknowledged); the other
                // sessions' batches of this write go on. A bug, so it is logged in full.
                log.error("a session write could not be translated and fails: {}", e.toString(), e);
                s.done.completeExceptionally(e);
                continue;
            }
            if (epoch >= 0 && !w.calls().isEmpty() && p.isCluster()) {
                SlotFence.Split split = SlotFence.split(io.perch.redis.cluster.OwnerKeys.owner(client), epoch, w);
                fences.add(new Fence(calls.size(), s, client, split));
                calls.add(split.script());
                calls.addAll(split.beside());
                continue;
            }
            if (epoch < 0) {
                // On a Redis Cluster a forward mark says "this session has that inbox entry":
                // stored before the message's body (on another master) and the process killed in
                // between, the entry would be skipped when read again and the message lost. So
                // there it goes once the write replied.
                refs.append(w, calls, dropped, cluster ? marks : null);
                continue;
            }
            if (!w.calls().isEmpty()) {
                fences.add(new Fence(calls.size(), s, client, null));
                calls.add(PseudoCommands.fence(io.perch.redis.cluster.OwnerKeys.owner(client), epoch, w.calls().size()));
            }
            for (int i : w.dropped()) {
                dropped.add(calls.size() + i);
            }
            calls.addAll(w.calls());
        }
        refs.finish(calls);
        long floor = clockFloorOf(batches);
        if (floor > 0) {
            calls.add(PseudoCommands.floor(SessionKeys.CLOCK, floor));
        }
        if (fences.isEmpty()) {
            // A fence skips a count of the calls after it, so fenced writes keep one call per field.
            calls = WriteFolds.fold(calls, dropped);
        }
        if (calls.size() == 1 && marks.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        calls.set(0, PseudoCommands.once(SessionKeys.applied(instance, "w"), writeNumbers.incrementAndGet(),
                calls.size() - 1, APPLIED_TTL_MS));
        CompletableFuture<List<Object>> sent = p.pipeline().submit(RedisOp.durableWrite(FUNCTION, calls));
        if (fences.isEmpty() && marks.isEmpty()) {
            return dropped.isEmpty() ? sent.thenApply(r -> null) : sent.thenCompose(replies -> release(p, idsOf(replies, dropped)));
        }
        return sent.thenCompose(replies -> {
            refuseFenced(fences, replies);
            List<Object> ids = idsOf(replies, dropped);
            List<RedisCall> after = new ArrayList<>(marks);
            for (Fence f : fences) {
                if (f.split() == null || f.batch().done.isDone()) {
                    continue; // not split, or refused: nothing of it goes after
                }
                List<Object> script = asList(replies.get(f.index()));
                for (int at : f.split().dropped()) {
                    ids.add(at > 0 ? script.get(at) : new Later(after.size() - 1 - at));
                }
                after.addAll(f.split().after());
            }
            if (after.isEmpty()) {
                return release(p, ids);
            }
            return p.pipeline().submit(RedisOp.durableWrite(FUNCTION, after))
                    .thenCompose(later -> release(p, ids.stream().map(i -> i instanceof Later l ? later.get(l.index()) : i).toList()));
        });
    }

    /**
     * The highest clock reading (microseconds) behind a seq or message id the write stores; 0
     * when it stores none. Kept in {@link SessionKeys#CLOCK} by the same write, so that a broker
     * whose wall clock stepped back while it was down starts its counters above every stored
     * one ({@link #clockFloor}): a new seq equal to a stored one would overwrite that entry, a
     * new message id a stored body.
     */
    private static long clockFloorOf(List<WriteStaging.Staged> batches) {
        long max = 0;
        for (WriteStaging.Staged s : batches) {
            if (s.changes == null) {
                continue;
            }
            for (Change c : s.changes) {
                if (c instanceof Change.SessionMessageAdded a) {
                    max = Math.max(max, a.seq() >> io.perch.broker.session.Seqs.WRITER_BITS);
                } else if (c instanceof Change.MessageAdded m) {
                    max = Math.max(max, m.message().id().timestampMicros());
                }
            }
        }
        return max;
    }

    @Override
    public CompletionStage<Long> clockFloor() {
        PoolRuntime p;
        try {
            p = pool();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return p.read(FUNCTION, List.<RedisCall>of(r -> r.get(SessionKeys.CLOCK)))
                .thenApply(replies -> replies.get(0) instanceof byte[] b ? Long.parseLong(str(b)) : 0L);
    }

    /** A fence in a write: where it is, the batch it guards, and on a Redis Cluster how it was split. */
    private record Fence(int index, WriteStaging.Staged batch, String clientId, SlotFence.Split split) {
    }

    /** A reply still to come, in the write that follows the fences ({@link SlotFence}). */
    private record Later(int index) {
    }

    private static List<Object> idsOf(List<Object> replies, List<Integer> dropped) {
        List<Object> ids = new ArrayList<>(dropped.size());
        for (int i : dropped) {
            ids.add(replies.get(i));
        }
        return ids;
    }

    private static List<Object> asList(Object reply) {
        @SuppressWarnings("unchecked")
        List<Object> list = reply instanceof List<?> l ? (List<Object>) l : List.of();
        return list;
    }

    /** The client a batch is for (a batch is one session's); null when it names none. */
    private static String clientOf(List<Change> batch) {
        for (Change c : batch) {
            if (c.clientId() != null) {
                return c.clientId();
            }
        }
        return null;
    }

    /**
     * Fails the batches whose fence replied that a newer owner exists (a list {skipped, node,
     * epoch}; a current writer's fence replies nothing, or an empty list when sent alone).
     * Their futures fail before the write's completes the rest.
     */
    private void refuseFenced(List<Fence> fences, List<Object> replies) {
        for (Fence f : fences) {
            if (!(replies.get(f.index()) instanceof List<?> r) || r.isEmpty()
                    || f.split() != null && !(r.get(0) instanceof Number n && n.longValue() == 0)) {
                continue;
            }
            String owner = r.size() > 1 && r.get(1) instanceof byte[] b ? str(b) : "?";
            long epoch = r.size() > 2 && r.get(2) instanceof byte[] e ? Long.parseLong(str(e)) : -1;
            FencedWriteException refused = new FencedWriteException(f.clientId(), owner, epoch);
            fencedWrites.incrementAndGet();
            io.micrometer.core.instrument.Counter c = fencedCounter;
            if (c != null) {
                c.increment();
            }
            if (fencedLogged.size() < FENCED_LOGGED_MAX && fencedLogged.add(f.clientId())) {
                log.warn("{}", refused.getMessage());
            }
            f.batch().done.completeExceptionally(refused);
        }
    }

    /**
     * The bodies a deleted session referred to lose that reference. Submitted after the delete
     * replied, so other sessions' writes may come between: harmless, since a body is re-written
     * whole on every add and only the count decides when it goes.
     */
    private CompletableFuture<Void> release(PoolRuntime p, List<Object> dropReplies) {
        List<RedisCall> unrefs = new ArrayList<>();
        for (Object r : dropReplies) {
            if (r instanceof List<?> ids) {
                for (Object id : ids) {
                    unrefs.add(PseudoCommands.unref(SessionKeys.body(str((byte[]) id))));
                }
            }
        }
        if (unrefs.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        unrefs.add(0, PseudoCommands.once(SessionKeys.applied(instance, "r"), releaseNumbers.incrementAndGet(),
                unrefs.size(), APPLIED_TTL_MS));
        return p.pipeline().submit(RedisOp.write(FUNCTION, unrefs)).thenApply(r -> null);
    }

    @Override
    public CompletionStage<Optional<StoredSession>> load(String clientId) {
        PoolRuntime p;
        try {
            p = pool();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] session = SessionKeys.session(clientId);
        byte[] subs = SessionKeys.subs(clientId);
        byte[] out = SessionKeys.out(clientId);
        byte[] rel = SessionKeys.rel(clientId);
        List<RedisCall> reads = List.of(r -> r.hgetall(session), r -> r.hgetall(subs), r -> r.hgetall(out),
                r -> r.smembers(rel));
        // The read goes behind every write staged before it, held ones included (see flush).
        return staging.flush().thenCompose(v -> p.read(FUNCTION, reads)).thenCompose(replies -> {
            Map<String, byte[]> hash = texts(replies.get(0));
            if (!hash.containsKey("proto")) { // none, or only a mark written as the session went
                return CompletableFuture.completedFuture(Optional.<StoredSession>empty());
            }
            Map<Long, OutEntry> entries = new java.util.TreeMap<>();
            texts(replies.get(2)).forEach((seq, v) -> entries.put(Long.parseLong(seq), OutEntry.decode(str(v))));
            List<String> ids = entries.values().stream().map(OutEntry::messageId).distinct().toList();
            List<RedisCall> bodies = new ArrayList<>(ids.size());
            for (String id : ids) {
                byte[] key = SessionKeys.body(id);
                bodies.add(r -> r.hgetall(key));
            }
            CompletableFuture<List<Object>> read = bodies.isEmpty() ? CompletableFuture.completedFuture(List.of())
                    : p.read(FUNCTION, bodies);
            return read.thenApply(bodyReplies -> {
                Map<String, Message> messages = new LinkedHashMap<>();
                for (int i = 0; i < ids.size(); i++) {
                    @SuppressWarnings("unchecked")
                    Map<byte[], byte[]> h = (Map<byte[], byte[]>) bodyReplies.get(i);
                    String id = ids.get(i);
                    MessageHash.read(h, id).ifPresent(m -> messages.put(id, m));
                }
                List<Change> repeats = new ArrayList<>(0);
                StoredSession loaded = stored(clientId, hash, replies.get(1), entries, messages, replies.get(3), repeats);
                if (!repeats.isEmpty()) {
                    log.info("stored session {}: {} message(s) stored twice while it moved between nodes; one copy kept",
                            clientId, repeats.size());
                    write(repeats); // fenced like any write of the client: only its owner removes them
                }
                return Optional.of(loaded);
            });
        });
    }

    /**
     * @param repeats where the deletes of repeated entries go: one message stored twice for the
     *                session with the same retain flag (in a cluster, by the node that let the
     *                session go and the node that took it over, or by a redelivered inbox entry);
     *                the one in flight is kept, else the highest seq. A retained copy (retain set) and a live one of the same
     *                message are both kept: a resubscribe delivers the retained message again.
     */
    private StoredSession stored(String clientId, Map<String, byte[]> hash, Object subs, Map<Long, OutEntry> entries,
                                 Map<String, Message> messages, Object rel, List<Change> repeats) {
        List<StoredSession.Outbound> outbound = new ArrayList<>(entries.size());
        int missing = 0;
        // A session that moves from node A to this node B has messages only A stored (published
        // first, before B routed to the session), then ones both stored, then ones only B
        // stored (published after A let go). Seqs of two nodes do not compare in that order:
        // A's inbox may lag B's, so A can store a message later than B stores a newer one. So
        // of a repeated entry the one in flight stays (it has a packet id the client may hold),
        // else the one another node stored, and the entries other nodes stored come first, in
        // seq order, then those this node kept since it began taking the session over: A's
        // order for everything A had, then B's for the rest. Without a takeover (a single node,
        // a restart) this is plain seq order and the highest seq of a repeat.
        int own = ownWriter;
        Long from = takeovers.remove(clientId);
        long kept = from == null || own < 0 ? Long.MAX_VALUE : from;
        java.util.function.LongPredicate mine = seq -> seq >= kept
                && (seq & ((1L << io.perch.broker.session.Seqs.WRITER_BITS) - 1)) == own;
        Map<String, Long> keep = new java.util.HashMap<>(entries.size() * 2);
        entries.forEach((seq, o) -> keep.merge(o.messageId() + (o.retain() ? "|r" : "|"), seq,
                (a, b) -> entries.get(a).packetId() != 0 ? a : entries.get(b).packetId() != 0 ? b
                        : mine.test(a) != mine.test(b) ? (mine.test(a) ? b : a) : Math.max(a, b)));
        for (Map.Entry<Long, OutEntry> e : entries.entrySet()) {
            OutEntry o = e.getValue();
            Message m = messages.get(o.messageId());
            if (m == null) {
                missing++;
                continue;
            }
            if (keep.get(o.messageId() + (o.retain() ? "|r" : "|")) != e.getKey().longValue()) {
                repeats.add(new Change.SessionMessageDeleted(clientId, e.getKey(), m.id()));
                continue;
            }
            outbound.add(new StoredSession.Outbound(e.getKey(), m, o.qos(), o.retain(), o.subscriptionIds(),
                    o.shareGroup(), o.shareFilter(), o.packetId(), o.phase()));
        }
        if (missing > 0) {
            missingBodies.addAndGet(missing);
            if (missingLogged.compareAndSet(false, true)) {
                log.warn("stored session {}: {} message(s) skipped, their bodies are gone (expired or lost); "
                        + "further ones are only counted", clientId, missing);
            }
        }
        Set<Integer> awaiting = new TreeSet<>();
        if (rel instanceof Set<?> members) {
            for (Object m : members) {
                awaiting.add(Integer.parseInt(str((byte[]) m)));
            }
        }
        outbound.sort(Comparator.<StoredSession.Outbound>comparingInt(o -> mine.test(o.seq()) ? 1 : 0)
                .thenComparingLong(StoredSession.Outbound::seq));
        return new StoredSession(clientId, intField(hash, "proto"), longField(hash, "expiry"),
                longField(hash, "disconnected_at"), subscriptions(subs), List.copyOf(outbound), Set.copyOf(awaiting),
                WillFields.read(hash), longField(hash, "created_at"), SessionWrites.forwardMarks(hash));
    }

    @Override
    public CompletionStage<List<Dormant>> restore() {
        PoolRuntime p;
        try {
            p = pool();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return restore(p, System.nanoTime() + RESTORE_PATIENCE.toNanos(), true);
    }

    /** How long start-up waits for an unreachable Redis before it gives up (the broker allows 60 s). */
    static final java.time.Duration RESTORE_PATIENCE = java.time.Duration.ofSeconds(45);

    /**
     * Reads the index from the start; while Redis cannot be reached (it may be starting too) it
     * tries again every half second until {@code deadline}, logging once: the broker must know
     * every stored session before it takes a CONNECT, or a returning client would get a new one.
     */
    private CompletableFuture<List<Dormant>> restore(PoolRuntime p, long deadline, boolean first) {
        List<Dormant> out = new ArrayList<>();
        return page(p, null, out).thenApply(v -> out).exceptionallyCompose(err -> {
            if (System.nanoTime() > deadline) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err;
                return CompletableFuture.failedFuture(new IllegalStateException("Redis pool " + p.name()
                        + " did not answer for " + RESTORE_PATIENCE.toSeconds() + " s (" + cause.getMessage()
                        + "); start it, or check backend.redis." + p.name() + ".server", cause));
            }
            if (first) {
                log.warn("cannot read the stored sessions yet ({}); retrying until Redis answers", String.valueOf(err));
            }
            Executor later = CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> null, later).thenCompose(v -> restore(p, deadline, false));
        });
    }

    /** One page of client ids after {@code after}, then their hashes; recurses until a short page. */
    private CompletableFuture<Void> page(PoolRuntime p, byte[] after, List<Dormant> out) {
        Range<byte[]> range = Range.from(after == null ? Range.Boundary.unbounded() : Range.Boundary.excluding(after),
                Range.Boundary.unbounded());
        RedisCall ids = r -> r.zrangebylex(SessionKeys.SESSIONS, range, Limit.create(0, RESTORE_PAGE));
        return p.read(FUNCTION, List.of(ids)).thenCompose(reply -> {
            @SuppressWarnings("unchecked")
            List<byte[]> clients = (List<byte[]>) reply.get(0);
            if (clients.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            io.perch.redis.cluster.Ownership owned = restoreOwned;
            int per = owned == null ? 3 : 4;
            List<RedisCall> reads = new ArrayList<>(clients.size() * per);
            for (byte[] c : clients) {
                String id = str(c);
                addDormantReads(id, reads);
                if (owned != null) {
                    byte[] owner = io.perch.redis.cluster.OwnerKeys.owner(id);
                    reads.add(r -> r.hmget(owner, NODE, EPOCH));
                }
            }
            return p.read(FUNCTION, reads).thenCompose(rs -> {
                List<CompletableFuture<Dormant>> found = new ArrayList<>(clients.size());
                for (int i = 0; i < clients.size(); i++) {
                    String id = str(clients.get(i));
                    Dormant d = dormant(id, rs, per * i);
                    if (d == null) {
                        continue; // deleted between the index read and this one
                    }
                    if (owned == null) {
                        found.add(CompletableFuture.completedFuture(d));
                        continue;
                    }
                    @SuppressWarnings("unchecked")
                    List<io.lettuce.core.KeyValue<byte[], byte[]>> owner =
                            (List<io.lettuce.core.KeyValue<byte[], byte[]>>) rs.get(per * i + 3);
                    Object node = owner.get(0).getValueOrElse(null);
                    if (node instanceof byte[] n && owned.node().equals(str(n))) {
                        // Its writes carry the epoch of this node's claim, so the fence still holds.
                        owned.restored(id, Long.parseLong(str(owner.get(1).getValueOrElse(utf8("0")))));
                        found.add(CompletableFuture.completedFuture(d));
                    } else if (node == null) {
                        // Nobody owns it (stored before clustering, or let go): the first node to claim it restores it.
                        found.add(owned.claim(id, null).toCompletableFuture().thenApply(c -> c.won() ? d : null));
                    }
                }
                return CompletableFuture.allOf(found.toArray(CompletableFuture[]::new)).thenCompose(v -> {
                    for (CompletableFuture<Dormant> f : found) {
                        Dormant d = f.join();
                        if (d != null) {
                            out.add(d);
                        }
                    }
                    return clients.size() < RESTORE_PAGE ? CompletableFuture.completedFuture(null)
                            : page(p, clients.get(clients.size() - 1), out);
                });
            });
        });
    }

    private static final byte[] NODE = io.perch.redis.codec.Keys.utf8("node");
    private static final byte[] EPOCH = io.perch.redis.codec.Keys.utf8("epoch");

    /** The three reads {@link #dormant(String, List, int)} needs for one client. */
    private static void addDormantReads(String id, List<RedisCall> reads) {
        byte[] session = SessionKeys.session(id);
        byte[] subs = SessionKeys.subs(id);
        byte[] outKey = SessionKeys.out(id);
        reads.add(r -> r.hgetall(session));
        reads.add(r -> r.hgetall(subs));
        reads.add(r -> r.hlen(outKey));
    }

    /** A stored session as start-up knows it, from its three reads at {@code at}; null when it is gone. */
    private static Dormant dormant(String id, List<Object> rs, int at) {
        Map<String, byte[]> hash = texts(rs.get(at));
        if (!hash.containsKey("proto")) { // none, or only a mark written as the session went
            return null;
        }
        return new Dormant(id, longField(hash, "disconnected_at"), longField(hash, "expiry"),
                subscriptions(rs.get(at + 1)), ((Number) rs.get(at + 2)).longValue(), WillFields.read(hash),
                (int) longField(hash, "proto"), SessionWrites.forwardMarks(hash));
    }

    /**
     * The stored sessions of the given clients as start-up knows them (those not stored are left
     * out): a node that claimed a dead node's clients makes them known with these.
     */
    public CompletionStage<List<Dormant>> dormant(List<String> clientIds) {
        if (clientIds.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        PoolRuntime p = pool();
        List<RedisCall> reads = new ArrayList<>(clientIds.size() * 3);
        clientIds.forEach(id -> addDormantReads(id, reads));
        // The reads go behind every write staged before them, held ones included (see flush).
        return staging.flush().thenCompose(v -> p.read(FUNCTION, reads)).thenApply(rs -> {
            List<Dormant> out = new ArrayList<>(clientIds.size());
            for (int i = 0; i < clientIds.size(); i++) {
                Dormant d = dormant(clientIds.get(i), rs, 3 * i);
                if (d != null) {
                    out.add(d);
                }
            }
            return out;
        });
    }

    private static Map<String, SubscriptionOptions> subscriptions(Object reply) {
        Map<String, SubscriptionOptions> subs = new LinkedHashMap<>();
        texts(reply).forEach((k, v) -> subs.put(k, SubscriptionValue.decode(str(v))));
        return subs;
    }

    /** A hash reply with its field names as text. */
    private static Map<String, byte[]> texts(Object reply) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (reply instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(str((byte[]) k), (byte[]) v));
        }
        return out;
    }

    private static long longField(Map<String, byte[]> hash, String field) {
        byte[] v = hash.get(field);
        return v == null ? 0 : Long.parseLong(str(v));
    }

    private static int intField(Map<String, byte[]> hash, String field) {
        return (int) longField(hash, field);
    }
}
