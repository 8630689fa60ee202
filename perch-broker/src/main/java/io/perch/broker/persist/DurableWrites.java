package io.perch.broker.persist;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The durable writes that handing one message to its subscribers started: the publisher's
 * acknowledgement waits for all of them ("nothing acknowledged is lost"), and for room in a
 * subscriber's queue that is over its back-pressure mark (QueueRoom). Used by the thread
 * that routes the message, then read once; allocates nothing when no subscriber is durable.
 */
public final class DurableWrites {
    private static final CompletableFuture<Void> NONE = CompletableFuture.completedFuture(null);
    private CompletableFuture<?>[] pending;
    private int size;
    private boolean again;

    /**
     * The message is routed again under the id it had (an MQTT 3 QoS 2 resend whose first
     * routing's writes failed): a session in memory that holds it writes it again, any other
     * takes nothing ({@code Session.offerAgain}).
     */
    public void routedAgain() {
        again = true;
    }

    public boolean isRoutedAgain() {
        return again;
    }

    /** A write to wait for; null or one that already succeeded is not kept. */
    public void add(CompletionStage<Void> write) {
        if (write == null) {
            return;
        }
        CompletableFuture<Void> f = write.toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            return;
        }
        if (pending == null) {
            pending = new CompletableFuture<?>[2];
        } else if (size == pending.length) {
            pending = Arrays.copyOf(pending, size * 2);
        }
        pending[size++] = f;
    }

    /** Completes when every write added so far has, exceptionally when one failed. */
    public CompletionStage<Void> all() {
        if (size == 0) {
            return NONE;
        }
        if (size == 1) {
            @SuppressWarnings("unchecked")
            CompletableFuture<Void> only = (CompletableFuture<Void>) pending[0];
            return only;
        }
        return CompletableFuture.allOf(Arrays.copyOf(pending, size));
    }
}
