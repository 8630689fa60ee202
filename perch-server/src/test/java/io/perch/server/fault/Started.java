package io.perch.server.fault;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a fault test started (broker JVMs, redis-servers, runs), closed in reverse order after
 * each test, pass or fail: no process outlives it. A failing close is printed, and the rest
 * still close.
 */
final class Started {
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    <T extends AutoCloseable> T add(T t) {
        started.push(t);
        return t;
    }

    void closeAll() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }
}
