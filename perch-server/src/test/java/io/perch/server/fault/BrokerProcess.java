package io.perch.server.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * {@code io.perch.server.Main start} in its own JVM, as an operator runs it, in a home directory
 * that outlives the process: etc/perch.conf is written once and the data dir stays, so a
 * restart is the same node coming back. The TCP listener is on port 0, so each start has a new
 * port, read from the log; {@link #port()} is -1 while the broker is down, which tells the
 * clients to wait. Each start writes its output to its own file (start-N.out) for the tail
 * printed on failure.
 */
final class BrokerProcess implements AutoCloseable {
    private static final Pattern TCP_BOUND = Pattern.compile("listener tcp:external \\(tcp\\) on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DASHBOARD_BOUND = Pattern.compile("dashboard listening on http://127\\.0\\.0\\.1:(\\d+)/");
    /** What a JVM killed by SIGKILL exits with on Linux (128 + 9). */
    static final int SIGKILL_EXIT = 137;
    private static final Duration START_WITHIN = Duration.ofSeconds(60);

    private final Path home;
    private final String nodeName;
    private Process process;
    private Path output;
    private int starts;
    private volatile int port = -1;

    private BrokerProcess(Path home, String nodeName) {
        this.home = home;
        this.nodeName = nodeName;
    }

    /**
     * Writes etc/perch.conf (the node name, a loopback listener and the dashboard on port 0,
     * no WebSocket listener, logs and data under home, then {@code configLines}) and starts the broker.
     */
    static BrokerProcess start(Path home, String nodeName, List<String> configLines) throws IOException {
        Files.createDirectories(home.resolve("etc"));
        StringBuilder conf = new StringBuilder();
        for (String l : List.of("node.name = " + nodeName, "listener.tcp.external = 127.0.0.1:0",
                "listener.ws.external = off", "log.dir = logs", "data.dir = data",
                // The dashboard is on by default at 18083: a free port instead, so runs never collide.
                "dashboard.listener.http = 127.0.0.1:0")) {
            conf.append(l).append('\n');
        }
        for (String l : configLines) {
            conf.append(l).append('\n');
        }
        Files.writeString(home.resolve("etc/perch.conf"), conf);
        BrokerProcess b = new BrokerProcess(home, nodeName);
        try {
            b.launch();
        } catch (RuntimeException | IOException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private void launch() throws IOException {
        starts++;
        output = home.resolve("start-" + starts + ".out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "io.perch.server.Main", "start")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Process p = process;
        await("broker start " + starts).atMost(START_WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> !p.isAlive() || lines().stream().anyMatch(l -> l.contains(" started as " + nodeName)));
        if (!p.isAlive()) {
            throw new IllegalStateException("broker exited with " + p.exitValue() + " at start " + starts + ":\n" + tail(40));
        }
        port = lines().stream().map(TCP_BOUND::matcher).filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no tcp listener in the log:\n" + tail(40)));
    }

    /** The dashboard's HTTP port of the running broker (its REST API), from its log. */
    int dashboardPort() {
        return output().stream().map(DASHBOARD_BOUND::matcher).filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no dashboard listener in the log:\n" + tail(40)));
    }

    /** The TCP port of the running broker, or -1 while it is down. */
    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    int starts() {
        return starts;
    }

    /**
     * SIGKILL, as in a crash: no shutdown hook runs, nothing is flushed. On Linux
     * destroyForcibly sends SIGKILL to a JVM child (a plain Process, not a handle of
     * another kind); the exit status 137 proves it was that signal and not a clean stop.
     */
    void kill9() throws InterruptedException {
        port = -1;
        ProcessHandle handle = process.toHandle();
        if (!handle.isAlive()) {
            throw new IllegalStateException("broker (pid " + handle.pid() + ") died before it was killed:\n" + tail(40));
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker pid " + handle.pid() + " still alive 30 s after SIGKILL");
        }
        if (process.exitValue() != SIGKILL_EXIT) {
            throw new IllegalStateException("broker pid " + handle.pid() + " exited with " + process.exitValue()
                    + ", not " + SIGKILL_EXIT + " (SIGKILL)");
        }
    }

    /** Starts the broker again in the same home (same config, same data dir); the port changes. */
    void restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("restart while pid " + process.pid() + " is still running");
        }
        launch();
    }

    /** The last lines of the current start's output (log lines included: the console appender). */
    String tail(int n) {
        try {
            List<String> all = lines();
            return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /**
     * What happened across every start of this broker, for a failure message: its starts, Redis
     * going and coming back, client connects and disconnects, warnings and errors (the
     * dashboard's password banner left out), the last {@code n} such lines of all starts in order.
     */
    String timeline(int n) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 1; i <= starts; i++) {
            try {
                for (String l : new String(Files.readAllBytes(home.resolve("start-" + i + ".out")), StandardCharsets.UTF_8)
                        .lines().toList()) {
                    if (l.contains("DashboardPlugin")) {
                        continue;
                    }
                    if (l.contains(" started as ") || l.contains("PipelineLink") || l.contains("connected from")
                            || l.contains(" disconnected") || l.contains(" WARN ") || l.contains(" ERROR ")) {
                        out.add("[start " + i + "] " + l);
                    }
                }
            } catch (IOException e) {
                out.add("[start " + i + "] (no output: " + e + ")");
            }
        }
        return String.join("\n", out.subList(Math.max(0, out.size() - n), out.size()));
    }

    /** Every line the current start has written so far (log lines included), e.g. to find when it logged something. */
    List<String> output() {
        try {
            return lines();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<String> lines() throws IOException {
        // Decoded leniently: the child may be in the middle of writing a multi-byte character.
        return new String(Files.readAllBytes(output), StandardCharsets.UTF_8).lines().toList();
    }

    /** Kills whatever still runs; safe to call twice and after a failed start. */
    @Override
    public void close() {
        port = -1;
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
