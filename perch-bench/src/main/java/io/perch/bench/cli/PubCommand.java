package io.perch.bench.cli;

import io.perch.bench.run.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pub", description = "Publishers only: -c clients publish to -t at --rate (or saturate).")
final class PubCommand extends RunCommand {
    @Option(names = {"-c", "--clients"}, defaultValue = "1", description = "Publishers (default: ${DEFAULT-VALUE}).")
    int clients;

    @Mixin
    PublishOptions publish;

    @Override
    RunSpec.Builder workload() {
        return RunSpec.builder("pub")
                .publishers(clients)
                .qos(publish.qos)
                .payloadSize(publish.size)
                .pubTopic(publish.topic)
                .ratePerPub(publish.ratePerPublisher(clients))
                .countPerPub(publish.count)
                .inflight(publish.inflight)
                .retain(publish.retain)
                .durationMillis(run.durationMillis(publish.count > 0));
    }
}
