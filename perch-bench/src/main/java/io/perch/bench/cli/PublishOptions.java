package io.perch.bench.cli;

import picocli.CommandLine.Option;

/** What publishers send (pub and pubsub). */
public final class PublishOptions {
    @Option(names = {"-q", "--qos"}, defaultValue = "0", description = "Publish QoS (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = {"-s", "--size"}, defaultValue = "256",
            description = "Payload bytes, at least 22 for the stamp (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = {"-t", "--topic"}, defaultValue = "bench/%i",
            description = "Publish topic; %%i = client index, %%c = client id (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = {"-I", "--rate"}, defaultValue = "0",
            description = "Messages per second per publisher; 0 saturates, bounded by --inflight (default).")
    double rate;

    @Option(names = "--total-rate", description = "Messages per second for all publishers together "
            + "(split evenly; overrides --rate).")
    Double totalRate;

    @Option(names = "--count", defaultValue = "0", description = "Messages per publisher; 0 = until --duration ends.")
    long count;

    @Option(names = "--inflight", defaultValue = "64",
            description = "Unacknowledged QoS 1/2 messages per publisher, at most (default: ${DEFAULT-VALUE}).")
    int inflight;

    @Option(names = "--retain", description = "Publish with the RETAIN flag.")
    boolean retain;

    double ratePerPublisher(int publishers) {
        if (totalRate != null) {
            return publishers > 0 ? totalRate / publishers : 0;
        }
        return rate;
    }
}
