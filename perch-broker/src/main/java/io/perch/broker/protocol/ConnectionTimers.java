package io.perch.broker.protocol;

import io.netty.util.concurrent.EventExecutor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link LoopTimers} of each event loop: one registry per broker, shared by its listeners.
 * Threads: any (a concurrent map; each loop's timers are then used on that loop only).
 */
public final class ConnectionTimers {
    private final Map<EventExecutor, LoopTimers> byLoop = new ConcurrentHashMap<>();

    LoopTimers of(EventExecutor loop) {
        return byLoop.computeIfAbsent(loop, LoopTimers::new);
    }
}
