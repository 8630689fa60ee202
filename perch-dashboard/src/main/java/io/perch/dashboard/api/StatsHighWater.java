package io.perch.dashboard.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code *.max} of {@code /api/v4/stats}: for every {@code x.count}, the highest value seen
 * since start as {@code x.max}. Values are seen when sampled: every second by the dashboard
 * plugin's timer (as EMQ X refreshes its stats) and at every {@code /stats} request, so a
 * peak shorter than a second between two samples may be missed, as in EMQ X.
 */
public final class StatsHighWater {
    private final ConcurrentMap<String, AtomicLong> max = new ConcurrentHashMap<>();

    /** Raises the marks with {@code live} ({@code x.count} → number) and returns live plus every {@code x.max}. */
    public Map<String, Object> sample(Map<String, Object> live) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : live.entrySet()) {
            out.put(e.getKey(), e.getValue());
            if (e.getKey().endsWith(".count") && e.getValue() instanceof Number n) {
                String name = e.getKey().substring(0, e.getKey().length() - ".count".length()) + ".max";
                out.put(name, max.computeIfAbsent(name, k -> new AtomicLong()).accumulateAndGet(n.longValue(), Math::max));
            }
        }
        return out;
    }
}
