package io.perch.server;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code perch start} as a real process: it logs its listeners, serves MQTT, writes its pid file
 * and stops cleanly, with exit status 0, on SIGTERM, on Ctrl-C (SIGINT) and on {@code perch stop}.
 */
class MainProcessTest {
    private static final Pattern TCP_BOUND = Pattern.compile("listener tcp:external \\(tcp\\) on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DASHBOARD = Pattern.compile("dashboard listening on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path home;

    private Process process;
    private Path output;

    @AfterEach
    void killLeftovers() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path conf() {
        return home.resolve("etc/perch.conf");
    }

    private List<String> lines() throws Exception {
        return Files.readAllLines(output, StandardCharsets.UTF_8);
    }

    /** Starts {@code perch start} in {@code home} and waits for its "started" line. */
    private void startPerch(String... extra) throws Exception {
        Files.createDirectories(home.resolve("etc"));
        List<String> conf = new ArrayList<>(List.of(
                "node.name = proc@127.0.0.1",
                "listener.tcp.external = 127.0.0.1:0",
                "listener.ws.external = off",
                "dashboard.listener.http = 127.0.0.1:0",
                "log.dir = logs",
                // Absolute, so that pid/stop run from the test's working directory find it too.
                "data.dir = " + home.resolve("data")));
        conf.addAll(List.of(extra));
        conf.add("");
        Files.writeString(conf(), String.join("\n", conf));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        output = home.resolve("stdout.txt");
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.perch.server.Main", "start")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Callable<List<String>> lines = this::lines;
        await().atMost(Duration.ofSeconds(60)).until(() -> !process.isAlive()
                || lines.call().stream().anyMatch(l -> l.contains(" started as proc@127.0.0.1")));
        assertThat(process.isAlive()).as("process output: %s", lines()).isTrue();
    }

    private int port(Pattern p) throws Exception {
        return lines().stream().map(p::matcher).filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();
    }

    private void assertStoppedCleanly() throws Exception {
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops within the bound").isTrue();
        assertThat(process.exitValue()).as("exit status; output: %s", lines()).isZero();
        assertThat(lines()).anyMatch(l -> l.contains("Perch stopped"));
        assertThat(home.resolve("data/perch.pid")).as("removed on a clean stop").doesNotExist();
    }

    /** SigIgn of /proc/self/status has bit 1 (signal 2, SIGINT) set; false where there is no /proc. */
    private static boolean sigintIgnored() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring(7).strip(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    private record Result(int status, String out, String err) {
    }

    private static Result main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void startsServesAndStopsOnSigtermWithExitZero() throws Exception {
        startPerch();
        int port = port(TCP_BOUND);

        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, "proc-test", new MemoryPersistence());
        client.connect();
        assertThat(client.isConnected()).isTrue();
        client.disconnect();
        client.close();

        // pid, ping and /status while it runs.
        assertThat(Files.readString(home.resolve("data/perch.pid")).strip()).isEqualTo(Long.toString(process.pid()));
        Result pid = main("pid", "-c", conf().toString());
        assertThat(pid.status()).as(pid.err()).isZero();
        assertThat(pid.out().strip()).isEqualTo(Long.toString(process.pid()));
        String dashboard = "http://127.0.0.1:" + port(DASHBOARD);
        Result ping = main("ping", "--url", dashboard);
        assertThat(ping.status()).as(ping.err()).isZero();
        assertThat(ping.out()).isEqualTo("pong\n");
        HttpResponse<String> status = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(dashboard + "/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).isEqualTo("Node proc@127.0.0.1 is started\nperch is running\n");

        // Console lines carry the date; logback says nothing about itself.
        assertThat(lines()).filteredOn(l -> l.contains(" started as proc@127.0.0.1")).singleElement().asString()
                .matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO .*");
        assertThat(lines()).noneMatch(l -> l.contains("ch.qos.logback"));

        process.destroy(); // SIGTERM
        assertStoppedCleanly();
        assertThat(lines()).anyMatch(l -> l.contains("stopping Perch (SIGTERM)"));
        assertThat(Files.readString(home.resolve("logs/perch.log"))).contains("started as proc@127.0.0.1");
        assertThat(main("ping", "--url", dashboard, "--timeout", "2").status()).isEqualTo(1);
    }

    /**
     * SIGTERM while start-up waits for a Redis that is not there (it waits up to 45 s for the
     * stored sessions) stops it at once, cleanly, with exit status 0: a service manager's stop
     * used to wait until that wait gave up, and the start-up then failed with an error.
     */
    @Test
    void aStopSignalDuringStartUpStopsItAtOnce() throws Exception {
        int nothing;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nothing = s.getLocalPort(); // closed below: nothing answers there
        }
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(conf(), String.join("\n", List.of(
                "node.name = proc@127.0.0.1",
                "listener.tcp.external = 127.0.0.1:0",
                "listener.ws.external = off",
                "dashboard.listener.http = 127.0.0.1:0",
                "log.dir = logs",
                "data.dir = " + home.resolve("data"),
                "backend.redis.embedded = off",
                "backend.redis.pool1.type = single",
                "backend.redis.pool1.server = 127.0.0.1:" + nothing,
                "persistence.mode = redis", "")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        output = home.resolve("stdout.txt");
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.perch.server.Main", "start")
                .directory(home.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive()
                || lines().stream().anyMatch(l -> l.contains("cannot read the stored sessions yet")));
        assertThat(process.isAlive()).as("waiting for Redis; output: %s", lines()).isTrue();

        process.destroy(); // SIGTERM

        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("stopped without waiting for Redis").isTrue();
        assertThat(process.exitValue()).as("exit status; output: %s", lines()).isZero();
        assertThat(lines()).anyMatch(l -> l.contains("Perch stopped during start-up (SIGTERM)"));
        assertThat(home.resolve("data/perch.pid")).as("removed").doesNotExist();
    }

    @Test
    void ctrlCStopsWithExitZero() throws Exception {
        // A process started in the background by a shell without job control (nohup, `cmd &`)
        // has SIGINT ignored, its children too, and the JVM then leaves it ignored: there is no
        // Ctrl-C to test. The broker started below would inherit that from this JVM.
        org.junit.jupiter.api.Assumptions.assumeFalse(sigintIgnored(),
                "SIGINT is ignored in this process (started in the background by a shell), so in the broker too");
        startPerch();

        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();

        assertStoppedCleanly();
        assertThat(lines()).anyMatch(l -> l.contains("stopping Perch (SIGINT)"));
    }

    /**
     * A second signal while stopping exits at once (status 1) and leaves no embedded Redis
     * behind: before, the halt left the redis-server running on its port.
     */
    @Test
    void aSecondSignalWhileStoppingExitsAtOnceAndStopsTheEmbeddedRedis() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(sigintIgnored(),
                "SIGINT is ignored in this process (started in the background by a shell), so in the broker too");
        int redisPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            redisPort = s.getLocalPort();
        }
        startPerch("backend.redis.pool1.server = embedded", "backend.redis.embedded.port = " + redisPort);
        // By its --dir: Debian's redis-server is a link to redis-check-rdb, the command it reports.
        String dir = home.resolve("data/redis").toString();
        List<ProcessHandle> redis = process.toHandle().children()
                .filter(h -> List.of(h.info().arguments().orElse(new String[0])).contains(dir)).toList();
        assertThat(redis).as("the embedded Redis, a child of the broker; children %s",
                process.toHandle().children().map(h -> h.info().toString()).toList()).hasSize(1);

        // Two different signals: two of the same sent at once may reach the process as one.
        long pid = process.pid();
        Process kill = new ProcessBuilder("sh", "-c", "kill -TERM " + pid + "; kill -INT " + pid).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("exit status; output: %s", lines()).isEqualTo(1);
        assertThat(lines()).anyMatch(l -> l.contains("while stopping; exiting at once"));
        await().atMost(Duration.ofSeconds(15)).until(() -> !redis.get(0).isAlive());
    }

    @Test
    void stopCommandStopsItAndAStalePidFileIsReplaced() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(home.resolve("data"));
        Files.writeString(home.resolve("data/perch.pid"), gone.pid() + "\n");

        startPerch("log.format = json");
        assertThat(lines()).anyMatch(l -> l.contains("replaced the stale pid file") && l.contains("pid " + gone.pid()));
        // log.format = json: the console lines after the config was read are JSON objects.
        assertThat(lines()).filteredOn(l -> l.contains("started as proc@127.0.0.1")).singleElement().asString()
                .startsWith("{\"time\":\"").contains("\"level\":\"INFO\"", "\"logger\":\"io.perch.server.PerchServer\"",
                        "\"thread\":\"main\"", "\"message\":\"Perch ").endsWith("}");

        Result stop = main("stop", "-c", conf().toString(), "--timeout", "30");

        assertThat(stop.status()).as(stop.err()).isZero();
        assertThat(stop.out()).isEqualTo("stopping Perch (pid " + process.pid() + ")...\nPerch stopped\n");
        assertStoppedCleanly();
        Result again = main("stop", "-c", conf().toString());
        assertThat(again.status()).isEqualTo(1);
        assertThat(again.err()).startsWith("Perch is not running");
    }
}
