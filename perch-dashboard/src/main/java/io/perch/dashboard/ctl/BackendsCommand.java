package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code ctl backends}: each backend's meters (from {@code /api/v4/backends}), one line per meter. */
@Command(name = "backends", description = "Show the storage backends (Redis) and their counters.")
final class BackendsCommand extends ApiCommand {
    @Override
    void run(CtlApi api, PrintWriter out) {
        JsonNode data = api.get("/backends").path("data");
        if (json()) {
            printJson(out, data);
            return;
        }
        if (data.isEmpty()) {
            out.println("No backend is running (configure backend.redis.* in etc/perch.conf)");
            out.flush();
            return;
        }
        ArrayNode rows = CtlApi.JSON.createArrayNode();
        for (JsonNode b : data) {
            for (JsonNode m : b.path("meters")) {
                rows.addObject().put("backend", b.path("backend").asText()).put("meter", m.path("name").asText())
                        .put("tags", join(m.path("tags"), "=")).put("values", join(m.path("values"), ": "));
            }
        }
        new Table().field("BACKEND", "backend").field("METER", "meter").field("TAGS", "tags").field("VALUES", "values")
                .print(out, rows);
    }

    private static String join(JsonNode object, String sep) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            parts.add(e.getKey() + sep + e.getValue().asText());
        }
        return String.join(", ", parts);
    }
}
