package io.perch.dashboard.ctl;

import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code ctl topics list}: the routing table. */
@Command(name = "topics", description = "List topics (routes).", subcommands = TopicsCommand.List.class)
final class TopicsCommand {
    private TopicsCommand() {
    }

    @Command(name = "list", description = "List all routed topic filters.")
    static final class List extends ApiCommand {
        @Override
        void run(CtlApi api, PrintWriter out) {
            print(out, api.get("/routes").path("data"),
                    new Table().field("TOPIC", "topic").field("NODE", "node").field("SUBSCRIBERS", "subscribers"));
        }
    }
}
