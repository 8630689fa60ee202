package io.perch.dashboard.api;

import io.perch.broker.api.BrokerService;
import io.perch.broker.health.HealthCheck;
import io.perch.broker.health.HealthChecks;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Health for load balancers and orchestrators, all without credentials (they hold no data):
 * <ul>
 *   <li>{@code GET /status}: EMQ X 4's plain text, 200 "Node perch@host is started\nperch is running"
 *       when ready, else 503 "...\nperch is not_running";</li>
 *   <li>{@code GET /api/v4/health/liveness}: 200 while the process serves HTTP;</li>
 *   <li>{@code GET /api/v4/health/readiness}: 200 when every check of {@link HealthChecks} is up
 *       (every listener bound, every Redis pool answering), else 503; the JSON body lists each check.</li>
 * </ul>
 */
public final class HealthApi {
    private final BrokerService broker;
    private final Json json;

    public HealthApi(BrokerService broker, Json json) {
        this.broker = broker;
        this.json = json;
    }

    public Response status(Request req) {
        boolean ready = HealthChecks.allUp(broker.health().run());
        String text = "Node " + broker.nodeName() + " is started\nperch is " + (ready ? "running" : "not_running") + "\n";
        return Response.text(ready ? 200 : 503, "text/plain; charset=utf-8", text);
    }

    public Response liveness(Request req) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "UP");
        m.put("node", broker.nodeName());
        return Response.json(200, json.bytes(m));
    }

    public Response readiness(Request req) {
        Map<String, HealthCheck.Status> results = broker.health().run();
        boolean ready = HealthChecks.allUp(results);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", ready ? "UP" : "DOWN");
        m.put("node", broker.nodeName());
        m.put("checks", checks(results));
        return Response.json(ready ? 200 : 503, json.bytes(m));
    }

    /** Each check as {@code {"name", "status": "UP"|"DOWN", "detail"}}, in registration order. */
    public static List<Map<String, Object>> checks(Map<String, HealthCheck.Status> results) {
        List<Map<String, Object>> out = new ArrayList<>();
        results.forEach((name, s) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", name);
            c.put("status", s.up() ? "UP" : "DOWN");
            c.put("detail", s.detail());
            out.add(c);
        });
        return out;
    }
}
