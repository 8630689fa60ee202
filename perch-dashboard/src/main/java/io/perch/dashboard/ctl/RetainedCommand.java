package io.perch.dashboard.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;

/** {@code ctl retained list|del}. */
@Command(name = "retained", description = "List and delete retained messages.",
        subcommands = {RetainedCommand.List.class, RetainedCommand.Del.class})
final class RetainedCommand {
    private RetainedCommand() {
    }

    @Command(name = "list", description = "List retained messages.")
    static final class List extends ApiCommand {
        @Override
        void run(CtlApi api, PrintWriter out) {
            print(out, api.get("/mqtt/retained").path("data"), new Table().field("TOPIC", "topic").field("QOS", "qos")
                    .col("PAYLOAD", m -> Table.text(m.get("payload")) + ("base64".equals(m.path("encoding").asText()) ? " (base64)" : ""))
                    .field("FROM", "from_clientid").field("PUBLISHED AT", "publish_at"));
        }
    }

    @Command(name = "del", description = "Delete the retained message on a topic.")
    static final class Del extends ApiCommand {
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Override
        void run(CtlApi api, PrintWriter out) {
            api.delete("/mqtt/retained/" + CtlApi.segment(topic));
            done(out);
        }
    }
}
