package io.perch.redis.session;

import io.perch.broker.message.MessageId;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.redis.client.RedisCall;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Session batches waiting for the pool: at most one write of this store is at Redis at a time,
 * and what comes meanwhile waits here and goes as the next write, all together; a batch that
 * put a message in flight also waits at least the linger ({@code persistence.linger}) before it
 * goes (see {@link #lingerFrom}). While it
 * waits, a message a session accepted and then let go (acknowledged, dropped, handed on) is
 * taken out of both batches, and its body with it when nothing else here refers to it: for a
 * subscriber that acknowledges within a round trip to Redis, nothing reaches Redis at all. The
 * batch that accepted it completes when nothing of it is left to write, so a publisher whose
 * acknowledgement waited for it is answered: the message was delivered and acknowledged, there
 * is nothing left to keep.
 *
 * <p>A {@link #group() group} keeps the batches staged while it is open (by any thread) out of
 * every write until it closes, so that they go in one write (however long each has lingered,
 * and with another group's when the two overlap): one {@code EVAL} on a single or
 * Sentinel pool, applied by Redis whole or not at all. A QoS 2 publish uses it for the
 * messages it routes and its packet id (see {@code SessionPersistence.group}), and for the
 * EMQ X rule writes its message.publish hooks make on the store's pool meanwhile, on the thread
 * that opened it ({@link #stageInGroup}); the pool's other commands wait for those
 * ({@link #beforeDirect}), so Redis applies the pool's commands in the broker's order.
 *
 * <p>Threads: {@link #stage} runs on broker threads (under a session's lock), {@link #done} on
 * the pool's pipeline thread, the linger on the plugin's timer; the batches are guarded by this
 * object's monitor, under which writes are cut in order; they are translated and handed to
 * the pipeline outside it, in that order ({@link #submitOutgoing}); futures complete outside it.
 */
final class WriteStaging {
    /** One session batch and the future of its write. */
    static final class Staged {
        final List<Change> changes;
        /** A rule's own commands staged in a group ({@link #stageInGroup}), or null for a session batch. */
        final List<RedisCall> rule;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        long stagedAt;
        /** Staging order, for groups: a group holds back every batch numbered from its start on. */
        long number;
        /** Emptied while waiting and answered: skipped when the waiting batches go. */
        boolean left;
        /**
         * Set when a group this batch was staged in closes: every batch numbered below it goes in
         * the same write as this one, lingered or not ({@link #drainStagedBy}).
         */
        long groupEnd;

        Staged(List<Change> changes) {
            this(changes, null);
        }

        Staged(List<Change> changes, List<RedisCall> rule) {
            this.changes = changes;
            this.rule = rule;
        }

        /**
         * A rule's write ({@link #stageInGroup}), counted in {@code rulesPending} until it is
         * submitted. A barrier's empty command list is not one: counted as one, it took a rule
         * write's count away, and {@link #beforeDirect} stopped sending rule writes ahead of the
         * pool's direct commands.
         */
        boolean isRule() {
            return rule != null && !rule.isEmpty();
        }

        /** Nothing left to write (a rule's commands are never made moot). */
        boolean isEmpty() {
            return rule == null && changes.isEmpty();
        }
    }

    private record SeqKey(String clientId, long seq) {
    }

    /** Where a message accepted in a waiting batch is: that batch, and later waiting batches that update it. */
    private static final class Accepted {
        final Staged in;
        List<Staged> updatedIn;

        Accepted(Staged in) {
            this.in = in;
        }
    }

    private final ArrayDeque<Staged> waiting = new ArrayDeque<>();
    /** Each message accepted in a batch still waiting (not yet at Redis). */
    private final Map<SeqKey, Accepted> acceptedIn = new HashMap<>();
    private final Function<List<Staged>, CompletableFuture<Void>> send;
    private final long lingerNanos;
    private final java.util.function.LongSupplier clock;
    private ScheduledExecutorService timer;
    private boolean sending;
    private boolean scheduled;
    /** Batches staged so far: the next one's number. */
    private long staged;
    /** The open groups' first batch numbers (a few at most: one per thread routing a QoS 2 publish). */
    private final List<long[]> openGroups = new ArrayList<>(2);
    /** How many groups the current thread has open: its rules' writes then join them ({@link #stageInGroup}). */
    private final ThreadLocal<int[]> groupsOnThread = ThreadLocal.withInitial(() -> new int[1]);
    /** Rule writes staged and not yet handed to the pipeline: other writes and reads of the pool wait for them. */
    private final java.util.concurrent.atomic.AtomicInteger rulesPending = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param send translates the batches, in order, into one pipeline op and submits it (called
     *             by one thread at a time, in the order the writes were cut); completes when
     *             Redis replied
     */
    WriteStaging(Function<List<Staged>, CompletableFuture<Void>> send, Duration linger) {
        this(send, linger, System::nanoTime);
    }

    /** @param nanoClock what the linger is timed with ({@link System#nanoTime()}; a test's own clock) */
    WriteStaging(Function<List<Staged>, CompletableFuture<Void>> send, Duration linger,
                 java.util.function.LongSupplier nanoClock) {
        this.send = send;
        this.lingerNanos = linger.toNanos();
        this.clock = nanoClock;
    }

    /** Where lingering batches are timed; without one (or with no linger) a batch goes at once when nothing is at Redis. */
    synchronized void timer(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /**
     * Takes a session's batch; returns when it is written (or had nothing left to write). Sends
     * at once when no write of this store is at Redis.
     */
    CompletableFuture<Void> stage(List<Change> batch) {
        List<Staged> emptied = new ArrayList<>(0);
        Staged s;
        synchronized (this) {
            List<Change> kept = new ArrayList<>(batch.size());
            for (Change c : batch) {
                if (c instanceof Change.SessionMessageDeleted d && cancel(d, emptied)) {
                    continue;
                }
                kept.add(c);
            }
            s = new Staged(kept);
            s.number = staged++;
            boolean inFlight = false;
            if (kept.isEmpty()) {
                emptied.add(s);
            } else {
                waiting.add(s);
                for (Change c : kept) {
                    if (c instanceof Change.SessionMessageAdded a && a.again()) {
                        // Redis may hold an earlier write of this entry: an acknowledgement must
                        // delete it there, so this add is never made moot, nor one before it.
                        acceptedIn.remove(new SeqKey(a.clientId(), a.seq()));
                    } else if (c instanceof Change.SessionMessageAdded a) {
                        acceptedIn.put(new SeqKey(a.clientId(), a.seq()), new Accepted(s));
                    } else if (c instanceof Change.SessionMessageUpdated u) {
                        inFlight = true;
                        Accepted acc = acceptedIn.get(new SeqKey(u.clientId(), u.seq()));
                        if (acc != null && acc.in != s) {
                            if (acc.updatedIn == null) {
                                acc.updatedIn = new ArrayList<>(1);
                            }
                            acc.updatedIn.add(s);
                        }
                    } else if (c instanceof Change.SessionDeleted d) {
                        acceptedIn.keySet().removeIf(k -> k.clientId().equals(d.clientId()));
                    }
                }
            }
            s.stagedAt = lingerFrom(inFlight);
            if (!sending) {
                sendWhenLingered();
            }
        }
        emptied.forEach(e -> e.done.complete(null));
        submitOutgoing(false);
        return s.done;
    }

    /**
     * When a batch staged now counts as staged, for its linger. Only a batch that put a message
     * in flight (or moved one on) lingers: its client's acknowledgement may take it out within a
     * round trip. Anything else (entries queued for a session away, subscriptions, session
     * state, wills) cannot be made moot that soon, so it counts as lingered already and goes as
     * soon as nothing is at Redis; a publisher waiting for it would only wait the linger longer.
     */
    private long lingerFrom(boolean inFlight) {
        long now = clock.getAsLong();
        return inFlight ? now : now - lingerNanos;
    }

    /**
     * Completes once every batch staged before it has been written: it goes in the next write,
     * and this store's writes reach Redis one at a time, in order. Never made moot.
     */
    CompletableFuture<Void> barrier() {
        // An empty rule list, not null: never made moot; not a rule write either (isRule).
        Staged s = new Staged(List.of(), List.of());
        synchronized (this) {
            s.number = staged++;
            s.stagedAt = lingerFrom(false);
            waiting.add(s);
            if (!sending) {
                sendWhenLingered();
            }
        }
        submitOutgoing(false);
        return s.done;
    }

    /**
     * A rule's write made while this thread has a group open (a message.publish rule of a QoS 2
     * publish: its copy of the message must be stored together with the packet id) joins the
     * group: staged here, in order with the session batches, and sent in the same write.
     * Returns null when this thread has no group open: the caller sends it itself, after
     * {@link #beforeDirect()}.
     */
    CompletableFuture<Void> stageInGroup(List<RedisCall> calls) {
        if (groupsOnThread.get()[0] == 0) {
            return null;
        }
        if (calls.isEmpty()) {
            return CompletableFuture.completedFuture(null); // nothing to write, and no rule write to count
        }
        Staged s = new Staged(List.of(), List.copyOf(calls));
        rulesPending.incrementAndGet();
        synchronized (this) {
            s.number = staged++;
            s.stagedAt = clock.getAsLong();
            waiting.add(s);
        }
        return s.done;
    }

    /**
     * Called before a write or read of the pool goes to the pipeline directly: a rule write
     * staged here must reach Redis first (a queue acknowledgement deletes what it stored, a
     * fetch must find it), so what waits goes now. Free when no rule write is staged. A rule
     * write still held by an open group goes later (that publish is still being routed).
     */
    void beforeDirect() {
        if (rulesPending.get() > 0) {
            flush();
        }
    }

    /**
     * Opens a group: every batch staged from now until it is closed goes in one write (see the
     * class comment). Close it promptly, on the thread that opened it: while it is open, later
     * batches of every session wait too.
     */
    SessionPersistence.Group group() {
        long[] start = new long[1];
        synchronized (this) {
            start[0] = staged;
            openGroups.add(start);
        }
        groupsOnThread.get()[0]++;
        return () -> closeGroup(start);
    }

    private void closeGroup(long[] start) {
        groupsOnThread.get()[0]--;
        synchronized (this) {
            openGroups.remove(start);
            long end = staged;
            // A group still open that began inside this one holds this one's later batches: it
            // takes this one's start, so that the two go as one write once it closes.
            for (long[] g : openGroups) {
                if (g[0] > start[0] && g[0] < end) {
                    g[0] = start[0];
                }
            }
            // Staged at different times, the group's batches linger out at different times: the
            // write the first one goes in takes them all. Cut apart, a crash between the two
            // writes could keep a QoS 2 message for its subscribers without the publisher's packet
            // id, and the client's resend would be routed again (a second delivery).
            for (Iterator<Staged> it = waiting.descendingIterator(); it.hasNext(); ) {
                Staged s = it.next();
                if (s.number < start[0]) {
                    break;
                }
                s.groupEnd = Math.max(s.groupEnd, end);
            }
            if (!sending) {
                sendWhenLingered();
            }
        }
        submitOutgoing(false);
    }

    /** The first batch number an open group holds back, or MAX_VALUE. Under the monitor. */
    private long heldFrom() {
        long from = Long.MAX_VALUE;
        for (long[] g : openGroups) {
            from = Math.min(from, g[0]);
        }
        return from;
    }

    /** Whether the oldest waiting batch belongs to an open group (nothing can go until it closes). */
    private boolean headHeld() {
        return !openGroups.isEmpty() && !waiting.isEmpty() && waiting.peek().number >= heldFrom();
    }

    private static final CompletableFuture<Void> NOTHING_HELD = CompletableFuture.completedFuture(null);

    /**
     * Everything waiting goes now, whatever is at Redis, because a read that must see it is about
     * to be submitted behind it; the call itself returns once every write cut so far, by any
     * thread, is in the pipeline. Returns when that read may go: at once, or, when an open group
     * (another thread routing a QoS 2 publish) holds batches staged before this call, once they
     * are written. Without that wait, a message routed to a stored session just before its
     * client came back was in neither place: not in what the CONNECT's load read (its write was
     * held), and not held for the load (routed before the load began). The session came back
     * without it, though its publisher had been answered.
     */
    CompletableFuture<Void> flush() {
        boolean held = false;
        synchronized (this) {
            if (!waiting.isEmpty() || !outgoing.isEmpty()) {
                if (!sending) {
                    sendWaiting();
                } else if (!waiting.isEmpty() && !headHeld()) {
                    // A write is at Redis already: this one goes behind it now, and only completes its own.
                    outgoing.add(new Outgoing(drain(), false));
                }
                held = waitingHeld();
            }
        }
        // Also when nothing waits here: another thread may have taken the last write from
        // outgoing and still be translating it, and the read must not pass it on its way to the
        // pipeline. Returning at once then let a CONNECT's load read the session before messages
        // routed to it were stored: they were in the store, not in the loaded session, until its
        // next load (BrokerCrashTest's QoS 1 and QoS 2 losses; WriteStagingTest).
        submitOutgoing(true);
        // Staged after the held batches, so it is written with them or after them, never before.
        return held ? barrier() : NOTHING_HELD;
    }

    /** Whether a batch with something to write is still waiting (after a drain: held by an open group). */
    private boolean waitingHeld() {
        for (Staged s : waiting) {
            if (!s.left) {
                return true;
            }
        }
        return false;
    }

    /** Writes cut under the monitor, in that order, waiting to be translated and submitted. */
    private record Outgoing(List<Staged> batches, boolean regular) {
    }

    private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();
    /**
     * Held while writes are translated and handed to the pipeline, so they reach it in the
     * order they were cut, without holding the monitor broker threads stage under (translating
     * a large write takes a while).
     */
    private final java.util.concurrent.locks.ReentrantLock submitting = new java.util.concurrent.locks.ReentrantLock();

    /**
     * Submits the writes cut so far. A thread that finds another submitting leaves its write to
     * it (that one looks again after letting go), unless {@code wait}: a flush returns only once
     * its write is at the pipeline, because a read follows it.
     */
    private void submitOutgoing(boolean wait) {
        while (true) {
            if (wait) {
                submitting.lock();
            } else if (!submitting.tryLock()) {
                return;
            }
            try {
                for (Outgoing o; (o = pollOutgoing()) != null; ) {
                    Outgoing w = o;
                    CompletableFuture<Void> sent = submit(w.batches());
                    int rules = 0;
                    for (Staged s : w.batches()) {
                        rules += s.isRule() ? 1 : 0;
                    }
                    if (rules > 0) {
                        rulesPending.addAndGet(-rules);
                    }
                    sent.whenComplete((v, e) -> {
                        complete(w.batches(), e);
                        if (w.regular()) {
                            done();
                        }
                    });
                }
            } finally {
                submitting.unlock();
            }
            synchronized (this) {
                if (outgoing.isEmpty()) {
                    return;
                }
            }
            wait = false;
        }
    }

    private synchronized Outgoing pollOutgoing() {
        return outgoing.poll();
    }

    /**
     * The message of {@code d} was accepted in a batch still waiting: both leave (with the
     * updates between them, and its body when no other waiting change refers to it). A batch
     * left empty is added to {@code emptied}.
     */
    private boolean cancel(Change.SessionMessageDeleted d, List<Staged> emptied) {
        Accepted acc = acceptedIn.remove(new SeqKey(d.clientId(), d.seq()));
        if (acc == null) {
            return false;
        }
        Staged in = acc.in;
        boolean bodyStillNeeded = false;
        for (Iterator<Change> it = in.changes.iterator(); it.hasNext(); ) {
            Change c = it.next();
            if (c instanceof Change.SessionMessageAdded a && a.clientId().equals(d.clientId()) && a.seq() == d.seq()) {
                it.remove();
            } else if (c instanceof Change.SessionMessageUpdated u && u.clientId().equals(d.clientId())
                    && u.seq() == d.seq()) {
                it.remove();
            } else if (c instanceof Change.SessionMessageAdded a && a.messageId().equals(d.messageId())) {
                bodyStillNeeded = true;
            }
        }
        if (!bodyStillNeeded) {
            removeBody(in, d.messageId());
        }
        leaveIfEmpty(in, emptied);
        // Updates made after the add came in later batches, which are waiting too.
        if (acc.updatedIn != null) {
            for (Staged later : acc.updatedIn) {
                later.changes.removeIf(c -> c instanceof Change.SessionMessageUpdated u
                        && u.clientId().equals(d.clientId()) && u.seq() == d.seq());
                leaveIfEmpty(later, emptied);
            }
        }
        return true;
    }

    /**
     * A waiting batch with nothing left to write is answered at once; it stays in the queue
     * (taking it out would cost a scan) and is skipped when the queue goes.
     */
    private static void leaveIfEmpty(Staged s, List<Staged> emptied) {
        if (s.changes.isEmpty() && !s.left) {
            s.left = true;
            emptied.add(s);
        }
    }

    private static void removeBody(Staged in, MessageId id) {
        in.changes.removeIf(c -> c instanceof Change.MessageAdded m && Objects.equals(m.message().id(), id));
    }

    /**
     * Sends everything waiting as the store's one write at Redis. Under the monitor, so that
     * writes reach the pipeline in the order they were staged.
     */
    private void sendWaiting() {
        sendStagedBy(Long.MAX_VALUE, true);
    }

    /** Sends the waiting batches staged by {@code stagedBy} (nanoTime; all when {@code all}): a prefix, so order holds. */
    private void sendStagedBy(long stagedBy, boolean all) {
        List<Staged> batches = all ? drain() : drainStagedBy(stagedBy);
        if (batches.isEmpty()) {
            return;
        }
        sending = true;
        outgoing.add(new Outgoing(batches, true));
    }

    private List<Staged> drain() {
        return drainStagedBy(Long.MAX_VALUE, true);
    }

    private List<Staged> drainStagedBy(long stagedBy) {
        return drainStagedBy(stagedBy, false);
    }

    private List<Staged> drainStagedBy(long stagedBy, boolean all) {
        List<Staged> due = new ArrayList<>();
        long held = heldFrom();
        long together = 0; // batches numbered below it belong to a group one taken batch was in
        while (!waiting.isEmpty() && waiting.peek().number < held
                && (all || waiting.peek().stagedAt - stagedBy <= 0 || waiting.peek().number < together)) {
            Staged s = waiting.poll();
            together = Math.max(together, s.groupEnd);
            if (!s.left) {
                due.add(s);
            }
        }
        forget(due);
        return due;
    }

    /** Batches on their way to Redis can no longer be made moot. */
    private void forget(List<Staged> all) {
        for (Staged s : all) {
            for (Change c : s.changes) {
                if (c instanceof Change.SessionMessageAdded a) {
                    acceptedIn.remove(new SeqKey(a.clientId(), a.seq()));
                }
            }
        }
    }

    private CompletableFuture<Void> submit(List<Staged> batches) {
        try {
            return send.apply(batches);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void complete(List<Staged> batches, Throwable e) {
        for (Staged s : batches) {
            if (e == null) {
                s.done.complete(null);
            } else {
                s.done.completeExceptionally(e);
            }
        }
    }

    /** A write came back: the next one takes everything that waited meanwhile (once it lingered). */
    private void done() {
        synchronized (this) {
            sending = false;
            sendWhenLingered();
        }
        submitOutgoing(false);
    }

    /**
     * Sends the batches that have waited the linger, oldest first; the younger ones wait on (a
     * subscriber that acknowledges within the linger costs Redis nothing, and its publisher is
     * answered as soon as it does). The next write is timed for the oldest of them.
     */
    private void sendWhenLingered() {
        // Loops when what was due had all been answered meanwhile (nothing went): the next
        // batch then needs its own timing, or it would wait for a stage that may never come.
        while (!waiting.isEmpty() && !scheduled && !sending) {
            if (headHeld()) {
                return; // the group's close comes back here
            }
            if (timer == null || lingerNanos == 0) {
                sendWaiting();
                return;
            }
            long now = clock.getAsLong();
            long delay = waiting.peek().stagedAt + lingerNanos - now;
            if (delay <= 0) {
                sendStagedBy(now - lingerNanos, false);
                continue;
            }
            try {
                timer.schedule(this::lingered, delay, TimeUnit.NANOSECONDS);
                scheduled = true;
            } catch (RejectedExecutionException stopping) {
                sendWaiting();
            }
            return;
        }
    }

    private void lingered() {
        synchronized (this) {
            scheduled = false;
            if (!sending) {
                sendWhenLingered();
            }
        }
        submitOutgoing(false);
    }
}
