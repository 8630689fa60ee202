package io.perch.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code perch.auth.outcomes{source, result}} (allow, deny, ignore, error) and
 * {@code perch.acl.checks{source, result}} (allow, deny, nomatch, error, cached).
 */
final class AuthMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    AuthMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void outcome(String source, String result) {
        count("perch.auth.outcomes", source, result);
    }

    void acl(String source, String result) {
        count("perch.acl.checks", source, result);
    }

    private void count(String name, String source, String result) {
        counters.computeIfAbsent(name + '\0' + source + '\0' + result, k -> Counter.builder(name)
                .tag("source", source).tag("result", result).register(registry)).increment();
    }
}
