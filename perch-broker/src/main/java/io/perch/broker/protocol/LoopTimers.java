package io.perch.broker.protocol;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The periodic work of the connections of one event loop, on one timer of that loop: each
 * connected client's keep-alive check and its ticker (v3 resend after retry_interval, QoS 2
 * await_rel_timeout). Before, every connection had a keep-alive handler in its pipeline and a
 * task of its own in the loop's scheduler, a few hundred bytes per idle connection
 * (docs/performance.md, idle memory).
 *
 * <p>Also the loop's coarse clock ({@link #now}): a connection stamps its last read with it
 * rather than reading the system clock on every read.
 *
 * <p>Threads: one instance per event loop, owned by that loop's thread: connections are added,
 * removed and ticked there only. {@link ConnectionTimers} hands out the instance of a loop.
 */
final class LoopTimers {
    /** How often the connections are looked at: a keep-alive times out at most this late. */
    static final long TICK_MS = 250;

    private final EventExecutor loop;
    private final List<MqttConnection> connections = new ArrayList<>();
    private ScheduledFuture<?> task;
    private long now = System.nanoTime() / 1_000_000;
    private boolean ticking;
    private int removedWhileTicking;

    LoopTimers(EventExecutor loop) {
        this.loop = loop;
    }

    /** The loop's clock in milliseconds (nanoTime based), as of its last tick. */
    long now() {
        return now;
    }

    /** Starts ticking {@code c} (on its loop, once CONNECT was accepted). */
    void add(MqttConnection c) {
        assert loop.inEventLoop();
        if (c.timerSlot >= 0) {
            return;
        }
        c.timerSlot = connections.size();
        connections.add(c);
        if (task == null) {
            now = System.nanoTime() / 1_000_000; // not ticked before: the clock is as old as this object
            try {
                task = loop.scheduleAtFixedRate(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // the loop is shutting down: its connections go with it
            }
        }
    }

    /** Stops ticking {@code c} (its channel closed). */
    void remove(MqttConnection c) {
        assert loop.inEventLoop();
        int slot = c.timerSlot;
        if (slot < 0) {
            return;
        }
        c.timerSlot = -1;
        if (ticking) {
            connections.set(slot, null); // compacted after the tick
            removedWhileTicking++;
            return;
        }
        MqttConnection last = connections.remove(connections.size() - 1);
        if (last != c) {
            connections.set(slot, last);
            last.timerSlot = slot;
        }
    }

    private void tick() {
        now = System.nanoTime() / 1_000_000;
        ticking = true;
        try {
            for (int i = 0; i < connections.size(); i++) {
                MqttConnection c = connections.get(i);
                if (c != null) {
                    try {
                        c.tick(now);
                    } catch (RuntimeException e) {
                        c.tickFailed(e);
                    }
                }
            }
        } finally {
            ticking = false;
        }
        if (removedWhileTicking > 0) {
            removedWhileTicking = 0;
            connections.removeIf(java.util.Objects::isNull);
            for (int i = 0; i < connections.size(); i++) {
                connections.get(i).timerSlot = i;
            }
        }
    }
}
