package io.perch.server;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code perch pid}: prints the running broker's process id (from {@code <data.dir>/perch.pid}); exit 1 when not running. */
@Command(name = "pid", description = "Print the process id of the running broker (exit 1 when it is not running).")
final class PidCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "etc/perch.conf",
            description = "The config the broker runs with (its data.dir holds perch.pid; default: ${DEFAULT-VALUE}).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "The overrides it runs with (only data.dir matters).")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PidFile pidFile = PidFile.of(Path.of("").toAbsolutePath(), configFile, overrides);
        Optional<ProcessHandle> p = pidFile.running();
        if (p.isEmpty()) {
            spec.commandLine().getErr().println("Perch is not running (" + StopCommand.why(pidFile) + ")");
            return Main.EXIT_FAILED;
        }
        spec.commandLine().getOut().println(p.get().pid());
        return Main.EXIT_OK;
    }
}
