package io.perch.server;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code perch stop}: sends SIGTERM to the broker named by {@code <data.dir>/perch.pid} and
 * waits for it to exit (it stops in order: listeners, plugins, embedded Redis). Exit 0 once
 * it is gone; 1 when it was not running, or still runs after {@code --timeout}.
 */
@Command(name = "stop", description = "Stop the running broker (SIGTERM) and wait for it to exit.")
final class StopCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = {"-t", "--timeout"}, paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for it to exit (default: ${DEFAULT-VALUE} s).")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PidFile pidFile = PidFile.of(Path.of("").toAbsolutePath(), options.configFile, options.overrides);
        Optional<ProcessHandle> p = pidFile.running();
        if (p.isEmpty()) {
            spec.commandLine().getErr().println("Perch is not running (" + why(pidFile) + ")");
            return Main.EXIT_FAILED;
        }
        ProcessHandle broker = p.get();
        spec.commandLine().getOut().printf("stopping Perch (pid %d)...%n", broker.pid());
        spec.commandLine().getOut().flush();
        if (!broker.destroy()) {
            spec.commandLine().getErr().println("cannot signal pid " + broker.pid() + " (another user's process?)");
            return Main.EXIT_FAILED;
        }
        try {
            broker.onExit().get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            spec.commandLine().getErr().printf("Perch (pid %d) did not stop within %s; it is still running "
                    + "(kill -9 %d forces it)%n", broker.pid(), Duration.ofSeconds(timeoutSeconds).toString()
                    .substring(2).toLowerCase(), broker.pid());
            return Main.EXIT_FAILED;
        }
        spec.commandLine().getOut().println("Perch stopped");
        return Main.EXIT_OK;
    }

    /** Why there is no running broker: no pid file, or a stale one. */
    static String why(PidFile pidFile) {
        if (!Files.exists(pidFile.path())) {
            return "no " + pidFile.path();
        }
        return pidFile.path() + " names pid " + pidFile.read().orElse(-1) + ", which is not running";
    }
}
