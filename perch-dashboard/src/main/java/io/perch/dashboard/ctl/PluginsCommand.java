package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code ctl plugins list}, shaped like {@code emqx_ctl plugins list}. The API has no plugin
 * registry, so this reports what it can prove: the dashboard (it answered) and each backend
 * that reports meters on {@code /api/v4/backends}.
 */
@Command(name = "plugins", description = "List running plugins.", subcommands = PluginsCommand.List.class)
final class PluginsCommand {
    private PluginsCommand() {
    }

    @Command(name = "list", description = "List running plugins (the dashboard and active backends).")
    static final class List extends ApiCommand {
        @Override
        void run(CtlApi api, PrintWriter out) {
            ArrayNode plugins = CtlApi.JSON.createArrayNode();
            plugins.addObject().put("name", "perch_dashboard").put("active", true);
            for (JsonNode b : api.get("/backends").path("data")) {
                plugins.addObject().put("name", "perch_backend_" + b.path("backend").asText()).put("active", true);
            }
            if (json()) {
                printJson(out, plugins);
                return;
            }
            for (JsonNode p : plugins) {
                out.printf("Plugin(%s, active=%s)%n", p.path("name").asText(), p.path("active").asBoolean());
            }
            out.flush();
        }
    }
}
