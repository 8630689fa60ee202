package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;

/** {@code ctl clients list|show|kick}. */
@Command(name = "clients", description = "List, show and kick MQTT clients.",
        subcommands = {ClientsCommand.List.class, ClientsCommand.Show.class, ClientsCommand.Kick.class})
final class ClientsCommand {
    private ClientsCommand() {
    }

    static Table table() {
        return new Table().field("CLIENT ID", "clientid").field("USERNAME", "username")
                .col("ADDRESS", c -> Table.text(c.get("ip_address")) + ":" + Table.text(c.get("port")))
                .col("STATUS", c -> c.path("connected").asBoolean() ? "connected" : "disconnected")
                .field("PROTO", "proto_ver").field("KEEPALIVE", "keepalive").field("SUBS", "subscriptions_cnt")
                .field("CONNECTED AT", "connected_at");
    }

    @Command(name = "list", description = "List all clients.")
    static final class List extends ApiCommand {
        @Override
        void run(CtlApi api, PrintWriter out) {
            JsonNode answer = api.get("/clients");
            print(out, answer.path("data"), table());
            warnUnavailable(answer);
        }
    }

    @Command(name = "show", description = "Show every field of one client.")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "CLIENT_ID")
        String clientId;

        @Override
        void run(CtlApi api, PrintWriter out) {
            JsonNode c = api.get("/clients/" + CtlApi.segment(clientId)).path("data").path(0);
            if (json()) {
                printJson(out, c);
                return;
            }
            int width = 0;
            for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
                width = Math.max(width, it.next().length());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                out.printf("%-" + width + "s  %s%n", f.getKey(), Table.text(f.getValue()));
            }
            out.flush();
        }
    }

    @Command(name = "kick", description = "Disconnect a client.")
    static final class Kick extends ApiCommand {
        @Parameters(paramLabel = "CLIENT_ID")
        String clientId;

        @Override
        void run(CtlApi api, PrintWriter out) {
            api.delete("/clients/" + CtlApi.segment(clientId));
            done(out);
        }
    }
}
