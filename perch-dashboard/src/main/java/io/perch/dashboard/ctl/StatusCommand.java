package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code ctl status}: like {@code emqx_ctl status}. Exits 0 when the broker is ready, 3 when it
 * runs but is not ready (a health check is down, e.g. Redis), 1 when it cannot be asked, so a
 * script or a probe can tell them apart.
 */
@Command(name = "status", description = "Show whether the broker is running, its version and uptime.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:running and ready", "1:not reachable, or the request failed",
                "2:usage error", "3:running but not ready (a health check is down)"})
final class StatusCommand extends ApiCommand {
    /** What this command tells a script or probe that the broker answered but is not ready. */
    static final int NOT_READY = 3;
    private boolean ready = true;

    @Override
    int exitCode() {
        return ready ? 0 : NOT_READY;
    }

    @Override
    void run(CtlApi api, PrintWriter out) {
        JsonNode s = api.get("/status").path("data");
        ready = !s.has("ready") || s.path("ready").asBoolean();
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
