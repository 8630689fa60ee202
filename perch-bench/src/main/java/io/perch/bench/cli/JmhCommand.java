package io.perch.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Hands every argument to JMH's own command line (same as running org.openjdk.jmh.Main). */
@Command(name = "jmh", description = "Run JMH benchmarks from the classpath; arguments go to JMH (try -h, -l).")
final class JmhCommand implements Callable<Integer> {
    /** Everything after "jmh", options included, untouched by picocli. */
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(new String[0]));
        return 0;
    }
}
