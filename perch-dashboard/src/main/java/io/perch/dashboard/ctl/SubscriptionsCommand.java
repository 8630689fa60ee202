package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.Map;

/** {@code ctl subscriptions list|show|add|del}: add/del act for a connected client, as EMQ X's do. */
@Command(name = "subscriptions", description = "List subscriptions; subscribe or unsubscribe a connected client.",
        subcommands = {SubscriptionsCommand.List.class, SubscriptionsCommand.Show.class,
                SubscriptionsCommand.Add.class, SubscriptionsCommand.Del.class})
final class SubscriptionsCommand {
    private SubscriptionsCommand() {
    }

    static Table table() {
        return new Table().field("CLIENT ID", "clientid").field("TOPIC", "topic").field("QOS", "qos");
    }

    @Command(name = "list", description = "List all subscriptions.")
    static final class List extends ApiCommand {
        @Override
        void run(CtlApi api, PrintWriter out) {
            JsonNode answer = api.get("/subscriptions");
            print(out, answer.path("data"), table());
            warnUnavailable(answer);
        }
    }

    @Command(name = "show", description = "List one client's subscriptions.")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "CLIENT_ID")
        String clientId;

        @Override
        void run(CtlApi api, PrintWriter out) {
            JsonNode answer = api.get("/subscriptions/" + CtlApi.segment(clientId));
            print(out, answer.path("data"), table());
            warnUnavailable(answer);
        }
    }

    @Command(name = "add", description = "Subscribe a connected client to a topic filter.")
    static final class Add extends ApiCommand {
        @Parameters(index = "0", paramLabel = "CLIENT_ID")
        String clientId;
        @Parameters(index = "1", paramLabel = "TOPIC")
        String topic;
        @Parameters(index = "2", paramLabel = "QOS", description = "0, 1 or 2")
        int qos;

        @Override
        void run(CtlApi api, PrintWriter out) {
            api.post("/mqtt/subscribe", Map.of("clientid", clientId, "topic", topic, "qos", qos));
            done(out);
        }

        /** A QoS outside 0..2 is a usage error (exit 2), caught before any request is sent. */
        @Override
        void validate() {
            if (qos < 0 || qos > 2) {
                throw new ParameterException(spec.commandLine(), "QOS must be 0, 1 or 2, not " + qos);
            }
        }
    }

    @Command(name = "del", description = "Unsubscribe a connected client from a topic filter.")
    static final class Del extends ApiCommand {
        @Parameters(index = "0", paramLabel = "CLIENT_ID")
        String clientId;
        @Parameters(index = "1", paramLabel = "TOPIC")
        String topic;

        @Override
        void run(CtlApi api, PrintWriter out) {
            api.post("/mqtt/unsubscribe", Map.of("clientid", clientId, "topic", topic));
            done(out);
        }
    }
}
