package io.perch.bench;

import io.perch.bench.cli.Commands;
import picocli.CommandLine;

/**
 * perch-bench: an MQTT load tool in the manner of emqtt-bench. Subcommands pub, sub, conn,
 * pubsub and jmh; see bench/README.md.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        System.exit(Commands.commandLine().execute(args));
    }
}
