package io.perch.dashboard.api;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tag;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /backends}: what the storage backends are doing. The dashboard cannot see
 * perch-redis's classes (the Redis module must not depend on the dashboard, nor the reverse),
 * so the shared contract is the metrics registry: every meter whose name starts with
 * {@code backend.redis} is reported, grouped by backend name (the segment after
 * {@code backend.}), with its tags (e.g. function, result) and current values.
 */
public final class BackendsApi {
    static final String PREFIX = "backend.";

    private final MeterRegistry registry;
    private final Json json;

    public BackendsApi(MeterRegistry registry, Json json) {
        this.registry = registry;
        this.json = json;
    }

    public Response list(Request req) {
        Map<String, List<Map<String, Object>>> byBackend = new TreeMap<>();
        List<Meter> meters = new ArrayList<>(registry.getMeters());
        meters.sort(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()));
        for (Meter meter : meters) {
            String name = meter.getId().getName();
            if (!name.startsWith(PREFIX + "redis")) {
                continue;
            }
            String rest = name.substring(PREFIX.length());
            String backend = rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            Map<String, String> tags = new LinkedHashMap<>();
            for (Tag t : meter.getId().getTags()) {
                tags.put(t.getKey(), t.getValue());
            }
            m.put("tags", tags);
            Map<String, Object> values = new LinkedHashMap<>();
            for (Measurement ms : meter.measure()) {
                values.put(ms.getStatistic().getTagValueRepresentation(), ms.getValue());
            }
            m.put("values", values);
            byBackend.computeIfAbsent(backend, k -> new ArrayList<>()).add(m);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byBackend.forEach((backend, ms) -> {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("backend", backend);
            b.put("meters", ms);
            out.add(b);
        });
        return json.ok(out);
    }
}
