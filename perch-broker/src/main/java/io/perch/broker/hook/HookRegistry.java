package io.perch.broker.hook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ordered callbacks per hook point. Lower priority numbers run first; equal priorities run
 * in registration order. Registration copies the list (copy-on-write) so that running a
 * chain, the hot path, takes no lock and allocates nothing when every callback finishes at
 * once.
 *
 * <p>A callback that throws or fails is logged and counted and the chain goes on. A callback
 * that has not completed within {@code hooks.timeout} ends the chain exceptionally with a
 * {@link TimeoutException}: the waiting packet is refused (publish: v5 0x80, v3 disconnect;
 * authentication: refused) rather than its connection wedged, and since the callback may
 * still finish its work later, nothing after it runs as if it had succeeded.
 */
public final class HookRegistry {
    private static final Logger log = LoggerFactory.getLogger(HookRegistry.class);
    /** hooks.timeout's default: long enough for a backend riding out a failover, short of a wedge. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final long TIMEOUT_LOG_EVERY_MS = 10_000;

    private record Entry<E>(HookPoint<E> point, int priority, long seq, String name, HookCallback<E> callback) {
    }

    private volatile Map<HookPoint<?>, List<Entry<?>>> chains = new IdentityHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong lastTimeoutLog = new AtomicLong();
    private final long timeoutMillis;
    private final Map<HookPoint<?>, Timing> timings = new IdentityHashMap<>();

    /** Chains run on one hook point and the time they took, start to completion (async included). */
    public static final class Timing {
        private final java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder nanos = new java.util.concurrent.atomic.LongAdder();

        public long count() {
            return count.sum();
        }

        public long totalNanos() {
            return nanos.sum();
        }

        /** Where each chain's time also goes (the metrics' histogram); set once at start. */
        private volatile java.util.function.LongConsumer listener;

        public void listen(java.util.function.LongConsumer nanosTaken) {
            this.listener = nanosTaken;
        }

        void record(long started) {
            long took = System.nanoTime() - started;
            count.increment();
            nanos.add(took);
            java.util.function.LongConsumer l = listener;
            if (l != null) {
                l.accept(took);
            }
        }
    }

    {
        for (HookPoint<?> p : HookPoints.ALL) {
            timings.put(p, new Timing());
        }
    }

    /** Callbacks time out after {@link #DEFAULT_TIMEOUT}. */
    public HookRegistry() {
        this(DEFAULT_TIMEOUT);
    }

    /** Callbacks time out after {@code timeout}; zero means never. */
    public HookRegistry(Duration timeout) {
        this.timeoutMillis = timeout.toMillis();
    }

    /** Timing of a hook point's chains (only chains with at least one callback are timed). */
    public Timing timing(HookPoint<?> point) {
        return timings.get(point);
    }

    /** Adds a callback; the returned handle removes it. */
    public synchronized <E> Registration register(HookPoint<E> point, int priority, String name, HookCallback<E> callback) {
        Entry<E> entry = new Entry<>(point, priority, seq.incrementAndGet(), name, callback);
        Map<HookPoint<?>, List<Entry<?>>> copy = new IdentityHashMap<>(chains);
        List<Entry<?>> list = new ArrayList<>(copy.getOrDefault(point, List.of()));
        list.add(entry);
        list.sort(Comparator.<Entry<?>>comparingInt(Entry::priority).thenComparingLong(Entry::seq));
        copy.put(point, List.copyOf(list));
        chains = copy;
        return () -> unregister(entry);
    }

    private synchronized void unregister(Entry<?> entry) {
        Map<HookPoint<?>, List<Entry<?>>> copy = new IdentityHashMap<>(chains);
        List<Entry<?>> list = new ArrayList<>(copy.getOrDefault(entry.point(), List.of()));
        list.remove(entry);
        copy.put(entry.point(), List.copyOf(list));
        chains = copy;
    }

    public boolean hasCallbacks(HookPoint<?> point) {
        List<Entry<?>> list = chains.get(point);
        return list != null && !list.isEmpty();
    }

    /** Names of the callbacks on a hook point, in the order they run. */
    public List<String> callbackNames(HookPoint<?> point) {
        List<String> names = new ArrayList<>();
        for (Entry<?> e : chains.getOrDefault(point, List.of())) {
            names.add(e.priority() + ":" + e.name());
        }
        return names;
    }

    /** Callbacks that threw or failed since start. */
    public long failures() {
        return failures.get();
    }

    /** Callbacks that did not complete within hooks.timeout since start. */
    public long timeouts() {
        return timeouts.get();
    }

    /**
     * Runs the chain and completes with the final event (the input, or the last replacement).
     * When every callback completes at once the returned stage is already complete.
     */
    @SuppressWarnings("unchecked")
    public <E> CompletionStage<E> run(HookPoint<E> point, E event) {
        List<Entry<?>> list = chains.get(point);
        if (list == null || list.isEmpty()) {
            return CompletableFuture.completedFuture(event);
        }
        long started = System.nanoTime();
        Timing t = timings.get(point);
        CompletionStage<E> stage = runFrom((List<Entry<E>>) (List<?>) list, 0, event);
        CompletableFuture<E> f = stage.toCompletableFuture();
        if (f.isDone()) {
            t.record(started);
        } else {
            f.whenComplete((r, e) -> t.record(started));
        }
        return stage;
    }

    private <E> CompletionStage<E> runFrom(List<Entry<E>> list, int start, E event) {
        E current = event;
        for (int i = start; i < list.size(); i++) {
            Entry<E> entry = list.get(i);
            CompletionStage<HookResult<E>> stage;
            try {
                stage = entry.callback().call(current);
            } catch (RuntimeException e) {
                fail(entry, e);
                continue;
            }
            CompletableFuture<HookResult<E>> f = stage.toCompletableFuture();
            if (f.isDone() && !f.isCompletedExceptionally()) {
                HookResult<E> r = f.join();
                if (r != null && r.event() != null) {
                    current = r.event();
                }
                if (r != null && r.isStop()) {
                    return CompletableFuture.completedFuture(current);
                }
                continue;
            }
            final E before = current;
            final int next = i + 1;
            if (timeoutMillis > 0) {
                // A copy: the callback's own future is not ours to complete.
                f = f.copy().orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
            }
            return f.handle((r, err) -> {
                if (err instanceof TimeoutException) {
                    timedOut(entry);
                    return CompletableFuture.<E>failedFuture(err);
                }
                if (err != null) {
                    fail(entry, err);
                    return runFrom(list, next, before);
                }
                E after = r != null && r.event() != null ? r.event() : before;
                if (r != null && r.isStop()) {
                    return CompletableFuture.completedFuture(after);
                }
                return runFrom(list, next, after);
            }).thenCompose(s -> s);
        }
        return CompletableFuture.completedFuture(current);
    }

    /** Fires a notification chain whose outcome nobody waits for. */
    public <E> void fire(HookPoint<E> point, E event) {
        if (hasCallbacks(point)) {
            run(point, event);
        }
    }

    private void timedOut(Entry<?> entry) {
        long n = timeouts.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastTimeoutLog.get();
        // A stuck backend times out every packet: one line per interval, with the count.
        if (now - last >= TIMEOUT_LOG_EVERY_MS && lastTimeoutLog.compareAndSet(last, now)) {
            log.warn("hook callback {} on {} did not complete within hooks.timeout ({} ms); the packet waiting for it "
                    + "is refused ({} timeouts so far)", entry.name(), entry.point(), timeoutMillis, n);
        }
    }

    private void fail(Entry<?> entry, Throwable e) {
        failures.incrementAndGet();
        log.warn("hook callback {} on {} failed: {}", entry.name(), entry.point(), e.toString());
    }

    /** Handle returned by {@link #register}. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
