package io.perch.broker.session;

import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.Phase;
import io.perch.broker.persist.SessionPersistence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one session changed, for its {@link SessionPersistence}: collected while the session's
 * monitor is held and written as one batch before it is released, so batches of one session
 * reach the store in the order they were made. Off (nothing built, nothing allocated) unless
 * the store is durable and the session outlives its connection (expiry above 0).
 */
final class ChangeLog {
    private final String clientId;
    private final SessionPersistence store;
    private final AtomicLong seqs;
    private boolean on;
    private List<Change> batch;
    /** Completed once the batch being built is durable; made only when someone waits for it. */
    private CompletableFuture<Void> batchDurable;

    /** @param seqs the broker's sequence: increasing across sessions and, seeded from the clock, across restarts */
    ChangeLog(String clientId, SessionPersistence store, AtomicLong seqs) {
        this.clientId = clientId;
        this.store = store;
        this.seqs = seqs;
    }

    boolean isOn() {
        return on;
    }

    /** Whether the store keeps this session now; returns true when it just started to (the caller saves a snapshot). */
    boolean turn(boolean durable) {
        boolean want = durable && store.durable();
        boolean started = want && !on;
        if (on && !want) {
            add(new Change.SessionDeleted(clientId));
        }
        on = want;
        return started;
    }

    /**
     * Stops recording without deleting anything: the session now belongs to another node,
     * which carries on from what the store holds. Returns the last batch's write (what was
     * recorded before), or null when nothing was left to write.
     */
    CompletionStage<Void> stop() {
        CompletionStage<Void> last = flush();
        on = false;
        return last;
    }

    /**
     * Gives a message the session accepts its seq and records it (a body first, then the
     * reference). One it accepted before (it has a seq) is already recorded.
     */
    Pending accepted(Pending p) {
        if (!on || p.seq() != 0) {
            return p;
        }
        return recorded(p);
    }

    /** Records a message the session holds, whether or not it was recorded before (a snapshot). */
    Pending recorded(Pending p) {
        return recorded(p, false);
    }

    /**
     * Records again a message recorded before under its seq, whose write the store may have
     * lost: the store keeps one reference to its body either way ({@link Change.SessionMessageAdded#again()}).
     */
    Pending recordedAgain(Pending p) {
        return recorded(p, p.seq() != 0);
    }

    private Pending recorded(Pending p, boolean again) {
        if (!on) {
            return p;
        }
        Pending q = p.seq() != 0 ? p : p.withSeq(Seqs.next(seqs));
        add(new Change.MessageAdded(q.message()));
        add(new Change.SessionMessageAdded(clientId, q.seq(), q.message().id(), q.qos(), q.retain(),
                q.subscriptionIds(), q.shareGroup(), q.shareFilter(), again));
        return q;
    }

    void sent(Pending p, int packetId) {
        if (on && p.seq() != 0) {
            add(new Change.SessionMessageUpdated(clientId, p.seq(), packetId, Phase.SENT));
        }
    }

    void released(Pending p, int packetId) {
        if (on && p.seq() != 0) {
            add(new Change.SessionMessageUpdated(clientId, p.seq(), packetId, Phase.RELEASED));
        }
    }

    /** No longer the session's: acknowledged, completed, dropped, expired, or handed to another member. */
    void removed(Pending p) {
        if (on && p.seq() != 0) {
            add(new Change.SessionMessageDeleted(clientId, p.seq(), p.message().id()));
        }
    }

    void awaitingRel(int packetId, boolean added) {
        if (on) {
            add(added ? new Change.AwaitingRelAdded(clientId, packetId) : new Change.AwaitingRelDeleted(clientId, packetId));
        }
    }

    void subscription(String key, SubscriptionOptions options) {
        if (on) {
            add(options == null ? new Change.SubscriptionDeleted(clientId, key)
                    : new Change.SubscriptionAdded(clientId, key, options));
        }
    }

    /**
     * When the batch being built (with what was just recorded) is durable; null when nothing
     * is recorded. Fails when its write fails.
     */
    CompletableFuture<Void> whenDurable() {
        if (!on) {
            return null;
        }
        if (batchDurable == null) {
            batchDurable = new CompletableFuture<>();
        }
        return batchDurable;
    }

    /** Any other change (session saved or deleted, will), when on. */
    void add(Change c) {
        if (batch == null) {
            batch = new ArrayList<>(4);
        }
        batch.add(c);
    }

    /**
     * Hands the batch to the store; the caller still holds the session's monitor. Returns when
     * the batch is durable, or null when there was nothing to write.
     */
    CompletionStage<Void> flush() {
        CompletableFuture<Void> waiting = batchDurable;
        batchDurable = null;
        if (batch == null) {
            if (waiting != null) {
                waiting.complete(null); // nothing was recorded after all
            }
            return null;
        }
        List<Change> b = batch;
        batch = null;
        CompletionStage<Void> written = store.write(b);
        if (waiting != null) {
            written.whenComplete((v, e) -> {
                if (e == null) {
                    waiting.complete(null);
                } else {
                    waiting.completeExceptionally(e);
                }
            });
        }
        return written;
    }
}
