package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code ctl status}: like {@code emqx_ctl status}. */
@Command(name = "status", description = "Show whether the broker is running, its version and uptime.")
final class StatusCommand extends ApiCommand {
    @Override
    void run(CtlApi api, PrintWriter out) {
        JsonNode s = api.get("/status").path("data");
        if (json()) {
            printJson(out, s);
            return;
        }
        out.printf("Node '%s' is %s%n", s.path("node").asText(), s.path("status").asText("unknown"));
        out.printf("Perch %s is running, uptime %s%n", s.path("version").asText(), s.path("uptime").asText());
        if (s.has("ready") && !s.path("ready").asBoolean()) {
            out.println("Not ready:");
        }
        for (JsonNode c : s.path("checks")) {
            if (!"UP".equals(c.path("status").asText())) {
                out.printf("  %s is DOWN: %s%n", c.path("name").asText(), c.path("detail").asText());
            }
        }
        if (s.path("default_password").asBoolean(false)) {
            out.println("Warning: the dashboard still uses the default password");
        }
        out.flush();
    }
}
