package io.perch.broker.health;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The readiness checks of one node, by name: the broker registers "listeners", plugins add
 * theirs at start (e.g. the Redis backend one per pool, "redis:default") and remove them at
 * stop. The dashboard's {@code /api/v4/health/readiness} and {@code /status} run them all; the
 * node is ready when every one is up. Thread-safe.
 */
public final class HealthChecks {
    private final Map<String, HealthCheck> checks = new LinkedHashMap<>();

    /** Adds or replaces the check called {@code name}. */
    public synchronized void register(String name, HealthCheck check) {
        checks.put(name, check);
    }

    public synchronized void unregister(String name) {
        checks.remove(name);
    }

    /** Runs every check (in registration order); a check that throws counts as down. */
    public Map<String, HealthCheck.Status> run() {
        Map<String, HealthCheck> copy;
        synchronized (this) {
            copy = new LinkedHashMap<>(checks);
        }
        Map<String, HealthCheck.Status> out = new LinkedHashMap<>();
        copy.forEach((name, c) -> {
            HealthCheck.Status s;
            try {
                s = c.check();
            } catch (RuntimeException e) {
                s = HealthCheck.Status.down("check failed: " + e);
            }
            out.put(name, s == null ? HealthCheck.Status.down("no answer") : s);
        });
        return out;
    }

    /** True when every check is up (also when none is registered). */
    public static boolean allUp(Map<String, HealthCheck.Status> results) {
        return results.values().stream().allMatch(HealthCheck.Status::up);
    }
}
