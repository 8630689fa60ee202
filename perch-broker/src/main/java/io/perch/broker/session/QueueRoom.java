package io.perch.broker.session;

import io.perch.broker.stats.BrokerStats;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Back-pressure from a connected client's queue to the publishers that fill it. While the
 * queue holds more than {@code highBytes} of payload, the acknowledgement (PUBACK, PUBREC) of
 * each message it takes waits. The wait ends when the queue is down to half of that, when the
 * client disconnects, or after {@code maxWaitMillis}; after such a timeout the queue holds no
 * one until it has drained to half. The publishers' QoS 1/2 windows (Receive
 * Maximum, a client's max inflight) then slow them to the subscriber's pace, instead of the
 * broker acknowledging messages faster than it can deliver them while its heap grows.
 *
 * <p>Only acknowledgements wait: nothing is dropped for it, and a connection goes on reading
 * until {@code AckOrder.MAX_WAITING} of its acknowledgements wait, as for store writes. A
 * client that publishes to its own subscription reads the PUBACKs that drain its queue up to
 * that point; past it, {@code maxWaitMillis} ends the wait. A session with no connection never holds anyone:
 * its queue drains only when its client is back. Messages forwarded from another cluster node
 * are not held: that node's inbox is read in order, and one entry held would hold the ones
 * after it for every session here.
 *
 * <p>Guarded by the owning session's monitor. Futures are completed on another thread
 * ({@link CompletableFuture#completeAsync}), so that what waits on them never runs under it.
 */
final class QueueRoom {
    private final BrokerStats stats;
    private final long highBytes;
    private final long maxWaitMillis;
    /** What the acknowledgements waiting on this queue wait for; null when none wait. */
    private CompletableFuture<Void> room;

    /** @param highBytes 0: off */
    QueueRoom(BrokerStats stats, long highBytes, long maxWaitMillis) {
        this.stats = stats;
        this.highBytes = highBytes;
        this.maxWaitMillis = maxWaitMillis;
    }

    /** After a message was queued: what its acknowledgement waits for, or null (no wait). */
    CompletableFuture<Void> afterQueued(long queuedBytes, boolean connected) {
        if (highBytes <= 0 || !connected || queuedBytes <= highBytes) {
            return null;
        }
        if (room == null) {
            stats.backpressureHolds.increment();
            room = new CompletableFuture<Void>().completeOnTimeout(null, maxWaitMillis, TimeUnit.MILLISECONDS);
        } else if (room.isDone()) {
            // The last wait ran out of time with the queue still over half: a client that does
            // not drain (stuck, or gone without a FIN) holds its publishers once, not at every
            // message; its queue's bounds apply as before until it drains.
            return null;
        }
        return room;
    }

    /** After the queue shrank or the connection changed: lets the acknowledgements go once there is room. */
    void check(long queuedBytes, boolean connected) {
        if (room != null && (!connected || queuedBytes <= highBytes / 2)) {
            // Also forgets a wait that timed out: the queue drained, so it may hold again.
            CompletableFuture<Void> r = room;
            room = null;
            if (!r.isDone()) {
                r.completeAsync(() -> null);
            }
        }
    }

    /** Whether acknowledgements wait on this queue now (for tests and operators). */
    boolean holding() {
        return room != null && !room.isDone();
    }
}
