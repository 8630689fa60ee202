package io.perch.redis.client;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One round trip of the pipeline: writes every command of a batch with auto-flush off, flushes
 * once, waits for the replies and sorts each op's outcome into done (with replies), refused by
 * Redis (a logical error: retrying cannot help) or lost (the connection went: replay it).
 */
final class BatchExchange {
    private static final Logger log = LoggerFactory.getLogger(BatchExchange.class);

    enum Kind { DONE, REFUSED, LOST }

    record Outcome(RedisOp op, Kind kind, List<Object> replies, Throwable error) {
    }

    private BatchExchange() {
    }

    static List<Outcome> run(RedisLink link, List<RedisOp> batch, Duration timeout) {
        List<List<RedisFuture<?>>> issued = new ArrayList<>(batch.size());
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (RedisOp op : batch) {
            List<RedisFuture<?>> fs = new ArrayList<>(op.calls.size());
            for (RedisCall call : op.calls) {
                try {
                    RedisFuture<?> f = call.issue(link.commands());
                    fs.add(f);
                    all.add(f.toCompletableFuture());
                } catch (RuntimeException e) {
                    fs.add(null);
                    log.debug("{} could not be issued: {}", op.function, e.toString());
                }
            }
            issued.add(fs);
        }
        long disconnectsBefore = link.disconnects().getAsLong();
        link.connection().flushCommands();
        long deadline = System.nanoTime() + timeout.toNanos();
        // One wait for the whole batch; the per-reply loop below then finds them done.
        try {
            await(link, CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)), deadline, disconnectsBefore);
        } catch (ExecutionException | TimeoutException e) {
            // Examined reply by reply below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Outcome> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(collect(link, batch.get(i), issued.get(i), deadline, disconnectsBefore));
        }
        return out;
    }

    private static Outcome collect(RedisLink link, RedisOp op, List<RedisFuture<?>> fs, long deadline,
                                   long disconnectsBefore) {
        List<Object> replies = new ArrayList<>(fs.size());
        Throwable refused = null;
        boolean lost = false;
        for (RedisFuture<?> f : fs) {
            if (f == null) {
                refused = new IllegalArgumentException("command could not be issued");
                replies.add(null);
                continue;
            }
            try {
                replies.add(await(link, f.toCompletableFuture(), deadline, disconnectsBefore));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lost = true;
            } catch (TimeoutException e) {
                lost = true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RedisCommandExecutionException rce && !isTransient(rce)) {
                    refused = rce;
                    replies.add(rce);
                } else {
                    lost = true;
                }
            }
        }
        if (lost) {
            // Lettuce would replay these after its reconnect; the pipeline replays them itself, in order.
            for (RedisFuture<?> f : fs) {
                if (f != null && !f.isDone()) {
                    f.cancel(false);
                }
            }
            return new Outcome(op, Kind.LOST, replies, null);
        }
        return refused != null ? new Outcome(op, Kind.REFUSED, replies, refused) : new Outcome(op, Kind.DONE, replies, null);
    }

    /**
     * Waits for a reply, giving up early when the connection has dropped: Lettuce keeps the
     * commands that were in flight for its own reconnect, and waiting the full timeout for them
     * would hide an outage for seconds.
     */
    private static Object await(RedisLink link, CompletableFuture<?> cf, long deadline, long disconnectsBefore)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException();
            }
            try {
                return cf.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (link.disconnects().getAsLong() != disconnectsBefore) {
                    throw e;
                }
            }
        }
    }

    /** Replies that mean "not now" rather than "never": a failover or a loading server. */
    static boolean isTransient(RedisCommandExecutionException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith("LOADING") || m.startsWith("MASTERDOWN") || m.startsWith("READONLY")
                || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN") || m.startsWith("NOREPLICAS");
    }
}
