package io.perch.redis.client;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One round trip of the pipeline: writes every command of a batch with auto-flush off (runs of
 * built-in writes as one script each, see {@link ScriptedWrites}), flushes once, waits for the
 * replies and sorts each op's outcome (see {@link Kind}). A batch holding durable writes ends
 * with the pool's {@link DurabilityBarrier}, in the same flush. Runs on the pipeline's worker
 * thread only.
 */
final class BatchExchange {
    private static final Logger log = LoggerFactory.getLogger(BatchExchange.class);

    /**
     * DONE (with replies), REFUSED by Redis (a logical error: retrying cannot help), LOST (the
     * connection went: replay it) or UNSCRIPTED (Redis refused the script itself, so nothing of
     * it ran: send those writes again as plain commands), or NOT_DURABLE (a durable write Redis
     * applied but the barrier did not confirm: fail it with {@link NotDurableException}).
     */
    enum Kind { DONE, REFUSED, LOST, UNSCRIPTED, NOT_DURABLE }

    record Outcome(RedisOp op, Kind kind, List<Object> replies, Throwable error) {
    }

    /** What went on the wire for some ops: one op's own commands, or one script for several. */
    private record Unit(RedisOp op, List<RedisFuture<?>> calls, ScriptedWrites.Chunk chunk, RedisFuture<List<Object>> script) {
    }

    private BatchExchange() {
    }

    /**
     * {@code scripts}: whether runs of built-in writes may go as one script each. When the batch
     * holds a durable write and {@code durability} asks for a barrier, sends it after the batch's
     * commands and judges the durable writes by its reply; {@code refused} (the server cannot
     * give that barrier) fails them without sending it.
     */
    static List<Outcome> run(RedisLink link, List<RedisOp> batch, Duration timeout, boolean scripts,
                             Durability durability, String refused) {
        List<Unit> units = new ArrayList<>();
        List<CompletableFuture<?>> all = new ArrayList<>();
        ScriptedWrites.Chunk chunk = new ScriptedWrites.Chunk();
        for (RedisOp op : batch) {
            boolean scripted = scripts && ScriptedWrites.scriptable(op);
            if (scripted) {
                chunk.add(op);
            }
            // A chunk goes out when full, or before a plain op so that order holds.
            if (!chunk.isEmpty() && (!scripted || chunk.full())) {
                units.add(issue(link, chunk, all));
                chunk = new ScriptedWrites.Chunk();
            }
            if (scripted) {
                continue;
            }
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
            units.add(new Unit(op, fs, null, null));
        }
        if (!chunk.isEmpty()) {
            units.add(issue(link, chunk, all));
        }
        boolean barrier = DurabilityBarrier.needed(durability, batch);
        RedisFuture<?> barrierReply = null;
        String barrierIssue = refused;
        if (barrier && refused == null) {
            try {
                barrierReply = DurabilityBarrier.issue(link, durability);
                all.add(barrierReply.toCompletableFuture());
            } catch (RuntimeException e) {
                barrierIssue = DurabilityBarrier.refused(durability, e);
            }
        }
        long disconnectsBefore = link.disconnects().getAsLong();
        link.connection().flushCommands();
        // Redis holds the barrier's reply for up to its own timeout: that is no sign of a lost connection.
        long deadline = System.nanoTime() + timeout.toNanos() + (barrierReply != null ? durability.timeout().toNanos() : 0);
        // One wait for the whole batch; the per-reply loop below then finds them done.
        try {
            await(link, CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)), deadline, disconnectsBefore);
        } catch (ExecutionException | TimeoutException e) {
            // Examined reply by reply below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Outcome> out = new ArrayList<>(batch.size());
        for (Unit u : units) {
            if (u.chunk() != null) {
                collectScript(link, u.chunk(), u.script(), deadline, disconnectsBefore, out);
            } else {
                out.add(collect(link, u.op(), u.calls(), deadline, disconnectsBefore));
            }
        }
        if (barrier) {
            judge(link, durability, barrierReply, barrierIssue, deadline, disconnectsBefore, out);
        }
        return out;
    }

    /**
     * Applies the barrier's reply to the durable writes: met leaves them DONE; short or refused
     * makes them NOT_DURABLE; lost (no reply) replays every op from the first durable write on,
     * barrier included, so that a replayed write never lands after a later write to its key.
     */
    private static void judge(RedisLink link, Durability durability, RedisFuture<?> reply, String issue,
                              long deadline, long disconnectsBefore, List<Outcome> out) {
        String shortfall = issue;
        boolean lost = false;
        if (reply != null) {
            Reply r = reply(link, reply, deadline, disconnectsBefore);
            lost = r.lost();
            if (r.refused() != null) {
                shortfall = DurabilityBarrier.refused(durability, r.refused());
            } else if (!lost) {
                shortfall = DurabilityBarrier.shortfall(durability, r.value());
            }
        }
        if (!lost && shortfall == null) {
            return;
        }
        NotDurableException why = shortfall == null ? null : new NotDurableException(shortfall);
        boolean replay = false;
        for (int i = 0; i < out.size(); i++) {
            Outcome o = out.get(i);
            replay |= lost && o.op().durable;
            if (replay && (o.kind() == Kind.DONE || o.kind() == Kind.REFUSED)) {
                out.set(i, new Outcome(o.op(), Kind.LOST, o.replies(), null));
            } else if (!lost && o.op().durable && o.kind() == Kind.DONE) {
                out.set(i, new Outcome(o.op(), Kind.NOT_DURABLE, o.replies(), why));
            }
        }
    }

    private static Unit issue(RedisLink link, ScriptedWrites.Chunk chunk, List<CompletableFuture<?>> all) {
        RedisFuture<List<Object>> f = chunk.issue(link);
        all.add(f.toCompletableFuture());
        return new Unit(null, null, chunk, f);
    }

    /** Sorts a script's reply into one outcome per op: its commands' errors decide. */
    private static void collectScript(RedisLink link, ScriptedWrites.Chunk chunk, RedisFuture<List<Object>> f,
                                      long deadline, long disconnectsBefore, List<Outcome> out) {
        Reply r = reply(link, f, deadline, disconnectsBefore);
        Kind whole = r.lost() ? Kind.LOST : r.refused() != null ? Kind.UNSCRIPTED : null;
        Throwable why = r.lost() ? r.failure() : r.refused();
        @SuppressWarnings("unchecked")
        List<List<String>> errors = whole == null ? chunk.errorsByOp((List<Object>) r.value()) : null;
        for (int i = 0; i < chunk.ops.size(); i++) {
            RedisOp op = chunk.ops.get(i);
            // A write's replies are not read by anyone; a scripted one reports only its errors.
            List<Object> replies = new ArrayList<>(Collections.nCopies(op.calls.size(), null));
            if (whole == null) {
                @SuppressWarnings("unchecked")
                List<Object> value = (List<Object>) r.value();
                ScriptedWrites.values(chunk, value, i, replies);
            }
            if (whole != null) {
                out.add(new Outcome(op, whole, replies, why));
                continue;
            }
            Kind kind = Kind.DONE;
            Throwable refused = null;
            for (String err : errors.get(i)) {
                if (isTransient(err)) {
                    kind = Kind.LOST;
                } else if (kind == Kind.DONE) {
                    kind = Kind.REFUSED;
                    refused = new RedisCommandExecutionException(err);
                }
            }
            out.add(new Outcome(op, kind, replies, kind == Kind.REFUSED ? refused : null));
        }
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
            Reply r = reply(link, f, deadline, disconnectsBefore);
            if (r.refused() != null) {
                refused = r.refused();
                replies.add(r.refused());
            } else if (r.lost()) {
                lost = true;
            } else {
                replies.add(r.value());
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
     * One command's (or script's) reply: its value, or Redis's refusal (an error that retrying
     * cannot mend), or lost (no reply in time, the connection dropped, or a transient error such
     * as a failover's READONLY: the pipeline replays it). {@code failure} is Redis's error, if any.
     */
    private record Reply(Object value, RedisCommandExecutionException refused, boolean lost, Throwable failure) {
    }

    /** Awaits and sorts a reply; a lost one is cancelled, so Lettuce does not replay it on its own. */
    private static Reply reply(RedisLink link, RedisFuture<?> f, long deadline, long disconnectsBefore) {
        Reply r;
        try {
            r = new Reply(await(link, f.toCompletableFuture(), deadline, disconnectsBefore), null, false, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r = new Reply(null, null, true, null);
        } catch (TimeoutException e) {
            r = new Reply(null, null, true, null);
        } catch (ExecutionException e) {
            r = e.getCause() instanceof RedisCommandExecutionException rce && !isTransient(rce.getMessage())
                    ? new Reply(null, rce, false, rce) : new Reply(null, null, true, e.getCause());
        }
        if (r.lost() && !f.isDone()) {
            f.cancel(false);
        }
        return r;
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
                // With auto-flush off, Lettuce Cluster queues commands for a node whose connection
                // is still opening and writes them without flushing once it is open: flush again,
                // or the batch would wait for its timeout and be replayed (applied twice).
                link.connection().flushCommands();
            }
        }
    }

    /** Replies that mean "not now" rather than "never": a failover or a loading server. */
    static boolean isTransient(String message) {
        String m = String.valueOf(message);
        return m.startsWith("LOADING") || m.startsWith("MASTERDOWN") || m.startsWith("READONLY")
                || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN") || m.startsWith("NOREPLICAS");
    }
}
