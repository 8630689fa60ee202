package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ctl log level} and {@code ctl log set-level LEVEL} (like {@code emqx_ctl log set-level}),
 * through {@code /api/v4/log/level}. The change lasts until the node restarts.
 */
@Command(name = "log", description = "Show or change the log level of the running node.",
        subcommands = {LogCommand.Level.class, LogCommand.SetLevel.class})
final class LogCommand {
    private LogCommand() {
    }

    @Command(name = "level", description = "Print the current log level.")
    static final class Level extends ApiCommand {
        @Option(names = "--logger", paramLabel = "NAME", description = "A logger name (default: the root logger).")
        String logger;

        @Override
        void run(CtlApi api, PrintWriter out) {
            JsonNode d = api.get("/log/level" + (logger == null ? "" : "?logger=" + CtlApi.segment(logger))).path("data");
            print(out, d);
        }

        private void print(PrintWriter out, JsonNode d) {
            if (json()) {
                printJson(out, d);
                return;
            }
            out.println(d.path("level").asText());
            out.flush();
        }
    }

    @Command(name = "set-level", description = "Set the log level (error, warn, info, debug, trace) until restart.")
    static final class SetLevel extends ApiCommand {
        @Parameters(paramLabel = "LEVEL", description = "error, warn, info, debug or trace")
        String level;

        @Option(names = "--logger", paramLabel = "NAME", description = "A logger name (default: the root logger).")
        String logger;

        @Override
        void run(CtlApi api, PrintWriter out) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("level", level);
            if (logger != null) {
                body.put("logger", logger);
            }
            JsonNode d = api.put("/log/level", body).path("data");
            if (json()) {
                printJson(out, d);
                return;
            }
            out.printf("log level of %s is now %s%n", d.path("logger").asText(), d.path("level").asText());
            out.flush();
        }
    }
}
