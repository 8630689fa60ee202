package io.perch.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level command; subcommands are package-private, so this builds the command line. */
@Command(name = "perch-bench", description = "MQTT load tool: a client, it loads any broker.",
        subcommands = {PubCommand.class, SubCommand.class, ConnCommand.class, PubSubCommand.class,
                JmhCommand.class, CommandLine.HelpCommand.class})
public final class Commands implements Runnable {
    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "choose a subcommand: pub, sub, conn, pubsub, jmh");
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Commands()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
