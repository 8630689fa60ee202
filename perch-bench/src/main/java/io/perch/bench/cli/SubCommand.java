package io.perch.bench.cli;

import io.perch.bench.run.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sub", description = "Subscribers only: -c clients subscribe to -t and receive for --duration. "
        + "Latency is valid when the publishers run on this host (one monotonic clock).")
final class SubCommand extends RunCommand {
    @Option(names = {"-c", "--clients"}, defaultValue = "1", description = "Subscribers (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = {"-q", "--qos"}, defaultValue = "0", description = "Subscription QoS (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = {"-t", "--topic"}, defaultValue = "bench/#",
            description = "Filter; %%i = client index, %%c = client id (default: ${DEFAULT-VALUE}).")
    String topic;

    @Override
    RunSpec.Builder workload() {
        return RunSpec.builder("sub")
                .subscribers(clients)
                .subQos(qos)
                .subTopic(topic)
                .durationMillis(run.durationMillis(false));
    }
}
