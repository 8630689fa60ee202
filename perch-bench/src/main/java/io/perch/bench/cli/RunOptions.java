package io.perch.bench.cli;

import picocli.CommandLine.Option;

/** How long, how loud and what to watch; shared by all subcommands. */
public final class RunOptions {
    @Option(names = "--duration", description = "Seconds to publish (pub, pubsub) or to hold the connections "
            + "(sub, conn). Default 10; with --count, publishing ends when the count is reached.")
    Double durationSeconds;

    @Option(names = "--warmup", defaultValue = "0",
            description = "Seconds of publishing, within --duration, before rates and latency count "
                    + "(the JIT of both client and broker warms up). Default 0.")
    double warmupSeconds;

    @Option(names = "--json", description = "Print the final result as one JSON object.")
    boolean json;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    @Option(names = "--watch-pid", defaultValue = "0",
            description = "Report the VmRSS growth of this process (the broker) per connection, and the CPU it "
                    + "used per 1,000 messages delivered in the measured window (Linux /proc).")
    long watchPid;

    @Option(names = "--drain", defaultValue = "3000",
            description = "After publishing, stop waiting for acks and deliveries once nothing arrived for this "
                    + "many ms (default: ${DEFAULT-VALUE}).")
    long drainMillis;

    /** Run time in ms: the explicit --duration, else 10 s, else (with a count) no time limit. */
    long durationMillis(boolean hasCount) {
        if (durationSeconds != null) {
            return (long) (durationSeconds * 1000);
        }
        return hasCount ? 0 : 10_000;
    }
}
