package io.perch.bench.cli;

import io.perch.bench.run.BenchRun;
import io.perch.bench.run.RunSpec;
import io.perch.bench.stats.BenchResult;
import io.perch.bench.stats.ResultFormat;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * What every load subcommand does once its options are read: run, print the result on stdout
 * (progress went to stderr), exit 0 only when every connection was established and kept.
 */
abstract class RunCommand implements Callable<Integer> {
    /** Exit code when a connection failed or dropped (picocli keeps 2 for usage errors). */
    static final int CONNECTIONS_FAILED = 1;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    RunOptions run;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Spec
    CommandSpec command;

    /** The mode-specific part of the run. */
    abstract RunSpec.Builder workload();

    @Override
    public Integer call() throws InterruptedException {
        RunSpec.Builder b = workload()
                .connectIntervalNanos(connection.connectIntervalNanos())
                .maxConnecting(connection.maxConnecting)
                .drainMillis(run.drainMillis)
                .warmupMillis((long) (run.warmupSeconds * 1000))
                .progress(!run.quiet)
                .watchPid(run.watchPid);
        if (connection.threads != null) {
            b.threads(connection.threads);
        }
        RunSpec spec = b.build();
        BenchResult result = new BenchRun(connection.settings(), spec, command.commandLine().getErr()).run();
        PrintWriter out = command.commandLine().getOut();
        if (run.json) {
            out.println(ResultFormat.json(result));
        } else {
            out.print(ResultFormat.text(result));
        }
        out.flush();
        return result.connectionsHealthy() ? 0 : CONNECTIONS_FAILED;
    }
}
