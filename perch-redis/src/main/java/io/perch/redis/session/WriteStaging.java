package io.perch.redis.session;

import io.perch.broker.message.MessageId;
import io.perch.broker.persist.Change;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Session batches waiting for the pool: at most one write of this store is at Redis at a time,
 * and what comes meanwhile waits here and goes as the next write, all together. While it
 * waits, a message a session accepted and then let go (acknowledged, dropped, handed on) is
 * taken out of both batches, and its body with it when nothing else here refers to it: for a
 * subscriber that acknowledges within a round trip to Redis, nothing reaches Redis at all. The
 * batch that accepted it completes when nothing of it is left to write, so a publisher whose
 * acknowledgement waited for it is answered: the message was delivered and acknowledged, there
 * is nothing left to keep.
 *
 * <p>Threads: {@link #stage} runs on broker threads (under a session's lock), {@link #done} on
 * the pool's pipeline thread; everything here is guarded by this object's monitor, which is
 * also held while a write is translated and handed to the pipeline (so writes reach it in the
 * order they were staged); the futures of batches complete outside it.
 */
final class WriteStaging {
    /** One session batch and the future of its write. */
    static final class Staged {
        final List<Change> changes;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Staged(List<Change> changes) {
            this.changes = changes;
        }
    }

    private record SeqKey(String clientId, long seq) {
    }

    private final ArrayDeque<Staged> waiting = new ArrayDeque<>();
    /** The waiting batch that accepted each message still in one (not yet at Redis). */
    private final Map<SeqKey, Staged> acceptedIn = new HashMap<>();
    private final Function<List<Staged>, CompletableFuture<Void>> send;
    private boolean sending;

    /**
     * @param send translates the batches, in order, into one pipeline op and submits it (called
     *             under this monitor); completes when Redis replied
     */
    WriteStaging(Function<List<Staged>, CompletableFuture<Void>> send) {
        this.send = send;
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
            if (kept.isEmpty()) {
                emptied.add(s);
            } else {
                waiting.add(s);
                for (Change c : kept) {
                    if (c instanceof Change.SessionMessageAdded a) {
                        acceptedIn.put(new SeqKey(a.clientId(), a.seq()), s);
                    } else if (c instanceof Change.SessionDeleted d) {
                        acceptedIn.keySet().removeIf(k -> k.clientId().equals(d.clientId()));
                    }
                }
            }
            if (!sending) {
                sendWaiting();
            }
        }
        emptied.forEach(e -> e.done.complete(null));
        return s.done;
    }

    /**
     * Everything waiting goes now, whatever is at Redis (a read that must see it is about to
     * be submitted behind it).
     */
    synchronized void flush() {
        if (waiting.isEmpty()) {
            return;
        }
        if (!sending) {
            sendWaiting();
            return;
        }
        // A write is at Redis already: this one goes behind it now, and only completes its own.
        List<Staged> extra = drain();
        submit(extra).whenComplete((v, e) -> complete(extra, e));
    }

    /**
     * The message of {@code d} was accepted in a batch still waiting: both leave (with the
     * updates between them, and its body when no other waiting change refers to it). A batch
     * left empty is added to {@code emptied}.
     */
    private boolean cancel(Change.SessionMessageDeleted d, List<Staged> emptied) {
        Staged in = acceptedIn.remove(new SeqKey(d.clientId(), d.seq()));
        if (in == null) {
            return false;
        }
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
        // Updates made after the add came in later batches, which may be waiting too.
        for (Staged other : waiting) {
            if (other != in) {
                other.changes.removeIf(c -> c instanceof Change.SessionMessageUpdated u
                        && u.clientId().equals(d.clientId()) && u.seq() == d.seq());
            }
        }
        if (!bodyStillNeeded) {
            removeBody(in, d.messageId());
        }
        if (in.changes.isEmpty()) {
            waiting.remove(in);
            emptied.add(in);
        }
        return true;
    }

    private static void removeBody(Staged in, MessageId id) {
        in.changes.removeIf(c -> c instanceof Change.MessageAdded m && Objects.equals(m.message().id(), id));
    }

    /**
     * Sends everything waiting as the store's one write at Redis. Under the monitor, so that
     * writes reach the pipeline in the order they were staged.
     */
    private void sendWaiting() {
        if (waiting.isEmpty()) {
            return;
        }
        sending = true;
        List<Staged> batches = drain();
        submit(batches).whenComplete((v, e) -> {
            complete(batches, e);
            done();
        });
    }

    private List<Staged> drain() {
        List<Staged> all = new ArrayList<>(waiting);
        waiting.clear();
        for (Staged s : all) {
            for (Change c : s.changes) {
                if (c instanceof Change.SessionMessageAdded a) {
                    acceptedIn.remove(new SeqKey(a.clientId(), a.seq()));
                }
            }
        }
        return all;
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

    /** A write came back: the next one takes everything that waited meanwhile. */
    private synchronized void done() {
        sending = false;
        sendWaiting();
    }
}
