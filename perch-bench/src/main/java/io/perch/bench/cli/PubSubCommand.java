package io.perch.bench.cli;

import io.perch.bench.run.RunSpec;
import io.perch.bench.run.SubscriberJoin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(name = "pubsub", description = "Subscribers and publishers in one process: exact end-to-end latency, "
        + "delivered share (copies received / copies owed), duplicates and reordering.")
final class PubSubCommand extends RunCommand {
    @Option(names = {"-P", "--pubs"}, defaultValue = "1", description = "Publishers (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = {"-S", "--subs"}, defaultValue = "1", description = "Subscribers (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--sub-topic", description = "Subscriber filter, %%i = subscriber index (default: the -t topic).")
    String subTopic;

    @Option(names = "--sub-qos", description = "Subscription QoS (default: the -q QoS).")
    Integer subQos;

    @Option(names = "--subs-after", description = "Subscribers connect only once every publish was acknowledged: "
            + "they receive the retained messages (needs --retain, -q 1 or 2).")
    boolean subsAfter;

    @Option(names = "--subs-away", description = "Subscribers subscribe, disconnect, and come back once every publish "
            + "was acknowledged, to what their persistent sessions queued (needs --no-clean, -q 1 or 2).")
    boolean subsAway;

    @Mixin
    PublishOptions publish;

    @Override
    RunSpec.Builder workload() {
        RunSpec.Builder b = RunSpec.builder("pubsub")
                .publishers(publishers)
                .subscribers(subscribers)
                .qos(publish.qos)
                .payloadSize(publish.size)
                .pubTopic(publish.topic)
                .subTopic(subTopic)
                .ratePerPub(publish.ratePerPublisher(publishers))
                .countPerPub(publish.count)
                .inflight(publish.inflight)
                .retain(publish.retain)
                .join(join())
                .durationMillis(run.durationMillis(publish.count > 0));
        if (subQos != null) {
            b.subQos(subQos);
        }
        return b;
    }

    private SubscriberJoin join() {
        if (subsAfter && subsAway) {
            throw new ParameterException(command.commandLine(), "--subs-after and --subs-away exclude each other");
        }
        return subsAfter ? SubscriberJoin.AFTER : subsAway ? SubscriberJoin.AWAY : SubscriberJoin.BEFORE;
    }
}
