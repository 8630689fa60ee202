package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code ctl cluster status}: every node on the cluster's Redis, from {@code /nodes}. */
@Command(name = "cluster", description = "Show the cluster's nodes.", subcommands = ClusterCommand.Status.class)
final class ClusterCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** One line per node: name, state and how long ago it last heartbeated. */
    @Command(name = "status", description = "One line per node: name, state, last heartbeat.")
    static final class Status extends ApiCommand {
        @Override
        void run(CtlApi api, PrintWriter out) {
            JsonNode nodes = api.get("/nodes").path("data");
            if (json()) {
                printJson(out, nodes);
                return;
            }
            for (JsonNode n : nodes) {
                String state = n.path("node_status").asText("unknown").toLowerCase(java.util.Locale.ROOT);
                String beat = n.has("heartbeat_age_ms")
                        ? "heartbeat " + seconds(n.path("heartbeat_age_ms").asLong()) + " ago" : "not clustered";
                out.printf("%-24s %-8s %s%n", n.path("node").asText(), state, beat);
            }
            out.flush();
        }

        private static String seconds(long ms) {
            return ms < 10_000 ? String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0) : (ms / 1000) + "s";
        }
    }
}
