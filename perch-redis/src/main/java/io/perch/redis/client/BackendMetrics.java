package io.perch.redis.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The backend's meters: {@code backend.redis.<function>} counters tagged
 * {@code result=success|failure}, and per pool the backlog gauge and dropped-writes counter.
 */
public final class BackendMetrics {
    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

    public BackendMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void success(String function) {
        counter(function, "success").increment();
    }

    public void failure(String function) {
        counter(function, "failure").increment();
    }

    public double count(String function, String result) {
        return counter(function, result).count();
    }

    private Counter counter(String function, String result) {
        return counters.computeIfAbsent(function + "|" + result, k -> Counter.builder("backend.redis." + function)
                .tag("result", result)
                .description("Redis backend " + function + " runs by outcome")
                .register(registry));
    }
}
