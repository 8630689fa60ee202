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

    /**
     * Counts one Redis operation of a hook rule, by outcome: {@code backend.redis.rule} tagged
     * with the rule ({@code <hook point>.<n>}, as in its config key) and {@code result}. Two
     * rules that run the same function share its {@code backend.redis.<function>} counter but
     * not this one.
     */
    public void rule(String rule, boolean ok) {
        String result = ok ? "success" : "failure";
        counters.computeIfAbsent("rule " + rule + "|" + result, k -> Counter.builder(RULE_METER)
                .tag("rule", rule)
                .tag("result", result)
                .description("Redis operations of each hook rule by outcome")
                .register(registry)).increment();
    }

    /** The name of the per-rule counter ({@link #rule}). */
    public static final String RULE_METER = "backend.redis.rule";

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
