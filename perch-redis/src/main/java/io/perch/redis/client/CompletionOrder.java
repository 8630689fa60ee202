package io.perch.redis.client;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs the completions of a pipeline's queued ops in the order the ops were queued, whatever
 * order their outcomes are known in: an op answered after one that went back to be retried
 * (its connection was lost, or Redis refused the script it was in) completes after that one.
 * Publishers' acknowledgements rely on it. Each queued op has its number ({@link RedisOp#seq},
 * 0, 1, 2... in queue order, given by the pipeline under its lock); a completion waits here until
 * every lower number has run or been {@link #skip skipped}.
 *
 * <p>Threads: completions come from the worker thread, and at close from the closing thread.
 * They run under this object's monitor, so callers must not hold the pipeline's lock (a
 * callback may submit).
 */
final class CompletionOrder {
    private long next;
    private final Map<Long, Runnable> waiting = new HashMap<>();

    /** Runs {@code completion} once every op numbered before {@code seq} has completed. */
    synchronized void complete(long seq, Runnable completion) {
        waiting.put(seq, completion);
        drain();
    }

    /**
     * Runs {@code completion} now, out of order (a read failed because Redis is unreachable:
     * it must not wait for a reconnect), and lets the ops after it go.
     */
    synchronized void skip(long seq, Runnable completion) {
        completion.run();
        waiting.put(seq, () -> { });
        drain();
    }

    /** Completions waiting for an earlier op. */
    synchronized int waiting() {
        return waiting.size();
    }

    private void drain() {
        for (Runnable r; (r = waiting.remove(next)) != null; ) {
            next++;
            r.run();
        }
    }
}
