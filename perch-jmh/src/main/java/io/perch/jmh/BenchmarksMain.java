package io.perch.jmh;

/**
 * Runs the JMH benchmarks: {@code java -cp 'perch-jmh/target/perch-jmh-*.jar:perch-jmh/target/lib/*' io.perch.jmh.BenchmarksMain [JMH options]},
 * for example {@code TopicMatch -f 1 -wi 2 -i 3}.
 */
public final class BenchmarksMain {
    private BenchmarksMain() {
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args);
    }
}
