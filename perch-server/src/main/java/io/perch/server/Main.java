package io.perch.server;

import io.perch.broker.plugin.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Command-line entry: {@code perch start | stop | pid | ping | check | version | ctl | passwd | help};
 * {@code -h/--help} works on every command and sub-command (inherited), {@code -V} prints the version. Each subcommand is its own class
 * listed in {@code subcommands} below; a new one (e.g. {@code ctl}) is one class and one
 * entry there. Exit status: 0 done, 1 failed to start or run, 2 bad arguments or config
 * (the message alone on stderr, no stack trace).
 */
@Command(name = "perch", description = "Perch MQTT broker.", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        subcommands = {StartCommand.class, StopCommand.class, PidCommand.class, PingCommand.class, CheckCommand.class,
                VersionCommand.class, io.perch.dashboard.ctl.CtlCommand.class, PasswdCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    /** {@code -V/--version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"Perch " + PerchVersion.get()};
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line and returns the exit status instead of exiting (tests call this). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException) {
                cmd.getErr().println(e.getMessage());
                return EXIT_USAGE;
            }
            cmd.getErr().println("perch: " + e);
            return EXIT_FAILED;
        });
        return cl.execute(args);
    }
}
