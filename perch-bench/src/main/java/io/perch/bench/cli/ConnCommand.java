package io.perch.bench.cli;

import io.perch.bench.run.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "conn", description = "Connections only: open -c idle connections, hold them for --duration. "
        + "With --watch-pid, report the broker's memory per connection.")
final class ConnCommand extends RunCommand {
    @Option(names = {"-c", "--clients"}, defaultValue = "1", description = "Connections (default: ${DEFAULT-VALUE}).")
    int clients;

    @Override
    RunSpec.Builder workload() {
        return RunSpec.builder("conn")
                .idle(clients)
                .durationMillis(run.durationMillis(false));
    }
}
