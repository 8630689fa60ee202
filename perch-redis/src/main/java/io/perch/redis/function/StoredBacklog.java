package io.perch.redis.function;

import io.perch.broker.api.BacklogDelivery;
import io.perch.broker.api.ClientView;
import io.perch.broker.message.Message;
import io.perch.redis.function.StoredMessages.Loaded;
import io.perch.redis.function.StoredMessages.Ref;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One subscription's stored backlog, handed to its session page by page, oldest first, never
 * faster than the session can queue it: a backlog larger than {@code max_mqueue_len} (or
 * {@code max_mqueue_bytes}) reaches the client in full instead of being dropped at the queue.
 *
 * <p>The refs (ids and scores, small) are all read up front and sorted in publish order; the
 * bodies are loaded {@link #PAGE} at a time. Each message is offered with
 * {@code BrokerService.deliverBacklog}; when the session has no room, the rest of the page
 * waits here and is offered again after a short wait on the timer (polling, backing off to
 * {@link #MAX_WAIT_MS} while the client reads nothing), for as long as the same connection
 * of the client is up. When the client disconnects (or reconnects: a new connection), the
 * session or subscription ends, or a newer fetch for the same subscription starts, paging
 * stops and the rest stays in Redis for the next subscription.
 *
 * <p>Threading: every step runs on the backend's single {@code brokerSide} thread (Redis
 * replies and timer ticks hop to it), so the fields need no lock; {@link #stop} only sets a
 * volatile flag and may be called from any thread.
 */
final class StoredBacklog {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StoredBacklog.class);
    /** Bodies loaded from Redis at a time: what waits in memory while the session is full. */
    static final int PAGE = 100;
    private static final long FIRST_WAIT_MS = 2;
    private static final long MAX_WAIT_MS = 50;

    private final BackendContext ctx;
    private final PoolRuntime pool;
    private final String function;
    private final String clientId;
    private final String filter;
    private final List<Ref> refs;
    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    private volatile boolean stopped;
    /** Index in {@link #refs} of the first message not loaded yet. */
    private int nextRef;
    /** Loaded and not yet offered (the session had no room), in order; null when none. */
    private List<Loaded> waiting;
    private int taken;
    private long waitMs = FIRST_WAIT_MS;
    /** The connection the backlog is for (its connectedAt); empty until the first wait. */
    private Optional<Long> connection = Optional.empty();

    StoredBacklog(BackendContext ctx, PoolRuntime pool, String function, String clientId, String filter,
                  List<Ref> refs) {
        this.ctx = ctx;
        this.pool = pool;
        this.function = function;
        this.clientId = clientId;
        this.filter = filter;
        this.refs = refs;
    }

    /** Starts paging (on brokerSide); completes with how many messages the session took. */
    CompletableFuture<Integer> start() {
        onBrokerSide(this::nextPage);
        return done;
    }

    /** Stops at the next step; what was not handed over stays in Redis. Any thread. */
    void stop() {
        stopped = true;
    }

    private void nextPage() {
        if (stopped || nextRef >= refs.size()) {
            finish();
            return;
        }
        List<Ref> page = refs.subList(nextRef, Math.min(refs.size(), nextRef + PAGE));
        nextRef += page.size();
        StoredMessages.load(pool, function, page).whenComplete((loaded, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
            } else {
                onBrokerSide(() -> {
                    StoredMessages.pruneMissing(pool, function, loaded);
                    offer(loaded);
                });
            }
        });
    }

    /** Offers loaded messages in order; the first the session has no room for waits with the rest. */
    private void offer(List<Loaded> loaded) {
        for (int i = 0; i < loaded.size(); i++) {
            if (stopped) {
                finish();
                return;
            }
            Optional<Message> m = loaded.get(i).message();
            if (m.isEmpty()) {
                continue; // expired in Redis: pruned above
            }
            Message message = m.get().withRetain(false);
            BacklogDelivery d = ctx.broker().deliverBacklog(clientId, filter, message);
            if (d == BacklogDelivery.TAKEN) {
                taken++;
                waitMs = FIRST_WAIT_MS;
            } else if (d == BacklogDelivery.NO_SUBSCRIPTION) {
                finish();
                return;
            } else if (d == BacklogDelivery.NO_ROOM) {
                waiting = loaded.subList(i, loaded.size());
                waitForRoom();
                return;
            }
            // DUPLICATE: the session has it already (a live delivery, or an ack racing this read).
        }
        nextPage();
    }

    private void waitForRoom() {
        if (connection.isEmpty()) {
            connection = liveConnection();
            if (connection.isEmpty()) {
                finish();
                return;
            }
        }
        long wait = waitMs;
        waitMs = Math.min(MAX_WAIT_MS, waitMs * 2);
        try {
            ctx.timer().schedule(() -> onBrokerSide(this::resume), wait, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            finish(); // the plugin is stopping
        }
    }

    private void resume() {
        if (stopped || !liveConnection().equals(connection)) {
            finish();
            return;
        }
        List<Loaded> w = waiting;
        waiting = null;
        offer(w);
    }

    /** The client's current connection (connectedAt) while it is connected. */
    private Optional<Long> liveConnection() {
        return ctx.broker().client(clientId).filter(ClientView::connected).map(ClientView::connectedAt);
    }

    private void finish() {
        if (done.isDone()) {
            return;
        }
        int left = refs.size() - nextRef + (waiting == null ? 0 : waiting.size());
        waiting = null;
        if (left > 0) {
            log.debug("{}: {} stored messages handed to {} on {}, {} left in Redis for its next subscription",
                    function, taken, clientId, filter, left);
        } else {
            log.debug("{}: {} stored messages handed to {} on {}", function, taken, clientId, filter);
        }
        done.complete(taken);
    }

    private void onBrokerSide(Runnable step) {
        try {
            ctx.brokerSide().execute(() -> {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException stopping) {
            done.complete(taken);
        }
    }
}
