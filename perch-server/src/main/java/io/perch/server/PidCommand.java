package io.perch.server;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code perch pid}: prints the running broker's process id (from {@code <data.dir>/perch.pid}); exit 1 when not running. */
@Command(name = "pid", description = "Print the process id of the running broker (exit 1 when it is not running).")
final class PidCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PidFile pidFile = PidFile.of(Path.of("").toAbsolutePath(), options.configFile, options.overrides);
        Optional<ProcessHandle> p = pidFile.running();
        if (p.isEmpty()) {
            spec.commandLine().getErr().println("Perch is not running (" + StopCommand.why(pidFile) + ")");
            return Main.EXIT_FAILED;
        }
        spec.commandLine().getOut().println(p.get().pid());
        return Main.EXIT_OK;
    }
}
