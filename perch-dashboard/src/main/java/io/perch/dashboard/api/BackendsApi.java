package io.perch.dashboard.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.perch.broker.api.BrokerService;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.status.BackendStatus;
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
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /backends}: what the storage backends are doing. The dashboard cannot see
 * perch-redis's classes (the Redis module must not depend on the dashboard, nor the reverse),
 * so it reads two shared contracts: the broker's {@link io.perch.broker.status.BackendStatuses} (pools, rules, where
 * sessions are kept), and the metrics registry, whose meters named {@code backend.redis*} are
 * listed with their tags and values, grouped by backend name (the segment after {@code backend.}).
 * Stateless: every request reads both afresh.
 */
public final class BackendsApi {
    static final String PREFIX = "backend.";
    static final String LATENCY = "backend.redis.latency";

    private final BrokerService broker;
    private final MeterRegistry registry;
    private final Json json;

    public BackendsApi(BrokerService broker, MeterRegistry registry, Json json) {
        this.broker = broker;
        this.registry = registry;
        this.json = json;
    }

    public Response list(Request req) {
        Map<String, List<Map<String, Object>>> byBackend = meters();
        Map<String, BackendStatus.Snapshot> statuses = broker.backends().snapshots();
        java.util.Set<String> names = new java.util.TreeSet<>(byBackend.keySet());
        names.addAll(statuses.keySet());
        List<Map<String, Object>> out = new ArrayList<>();
        for (String backend : names) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("backend", backend);
            BackendStatus.Snapshot s = statuses.get(backend);
            if (s != null) {
                b.put("pools", s.pools().stream().map(this::pool).toList());
                b.put("rules", s.rules().stream().map(this::rule).toList());
                b.put("session_pool", s.sessionPool());
                if (s.sessionPool() != null) {
                    b.put("sessions", sessions());
                }
            }
            b.put("meters", byBackend.getOrDefault(backend, List.of()));
            out.add(b);
        }
        return json.ok(out);
    }

    private Map<String, Object> pool(BackendStatus.Pool p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("state", p.up() ? "up" : "down");
        m.put("since", p.since() > 0 ? p.since() : null);
        m.put("mode", p.mode());
        m.put("servers", p.servers());
        m.put("last_error", p.lastError());
        m.put("backlog", p.backlog());
        m.put("backlog_max", p.backlogMax());
        m.put("last_replay", p.lastReplay());
        m.put("replayed_total", p.replayedTotal());
        m.put("durability", p.durability());
        Timer t = registry.find(LATENCY).tag("pool", p.name()).timer();
        if (t != null && t.count() > 0) {
            // The mean since start; max is the slowest batch of the timer's recent window (about 2 min).
            m.put("latency_mean_ms", t.mean(TimeUnit.MILLISECONDS));
            m.put("latency_max_ms", t.max(TimeUnit.MILLISECONDS));
            m.put("batches", t.count());
        }
        m.put("server", p.server());
        m.put("server_at", p.serverAt() > 0 ? p.serverAt() : null);
        return m;
    }

    private Map<String, Object> rule(BackendStatus.Rule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("hook", r.hook());
        m.put("function", r.function());
        m.put("topic", r.topic());
        m.put("pool", r.pool());
        if (r.meter() != null) {
            // The rule's own counts: another rule running the same function has its own.
            m.put("success", count(r.meter(), r.id(), "success"));
            m.put("failure", count(r.meter(), r.id(), "failure"));
        }
        return m;
    }

    private long count(String meter, String rule, String result) {
        return (long) registry.find(meter).tag("rule", rule).tag("result", result).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    /** The broker's durable-session figures (the session store is the backend's, the counts the broker's). */
    private Map<String, Object> sessions() {
        BrokerStats.Gauges g = broker.stats().gauges();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stored", g == null ? 0 : g.storedSessions());
        m.put("queued", g == null ? 0 : g.queued());
        return m;
    }

    private Map<String, List<Map<String, Object>>> meters() {
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
        return byBackend;
    }
}
