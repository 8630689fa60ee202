package io.perch.dist;

import com.sun.net.httpserver.HttpServer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The release archive as a user gets it: unpacked in a temp dir, started with only a JRE
 * (PATH holds java's bin dir and a directory with the three shell tools bin/perch uses, so no
 * Maven and no sources), with the embedded redis-server, then stopped with SIGTERM, leaving
 * no process behind. The container entry point, the health check script, the Dockerfile's
 * paths and the systemd unit are checked against the same unpacked archive.
 */
class ReleaseArchiveTest {
    private static final Path ARCHIVE = Path.of(System.getProperty("perch.dist.archive", "target/perch.tar.gz"));
    private static final Path ZIP = Path.of(System.getProperty("perch.dist.zip", "target/perch.zip"));
    private static final String VERSION = System.getProperty("perch.dist.version", "");
    private static final Path REPO = Path.of(System.getProperty("perch.repo", "..")).toAbsolutePath().normalize();
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private Process broker;
    private final List<ProcessHandle> started = new CopyOnWriteArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (MqttClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(1000);
                }
                c.close();
            } catch (MqttException ignored) {
                // best effort
            }
        }
        // Only what this test started: the launcher's process and the children it was seen with.
        if (broker != null) {
            started.addAll(broker.descendants().toList());
            broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle p : started) {
            p.destroyForcibly();
        }
    }

    @Test
    void archiveHoldsLauncherLibrariesConfigAndLegalFiles() throws Exception {
        Path home = unpack();
        assertThat(home.getFileName().toString()).isEqualTo("perch-" + VERSION);
        assertThat(home.resolve("bin/perch")).isExecutable();
        for (String f : List.of("LICENSE", "NOTICE", "README.md", "etc/perch.conf", "etc/acl.conf.example",
                "etc/plugins/emqx_backend_redis.conf", "etc/plugins/perch_dashboard.conf",
                "deploy/docker-entrypoint.sh", "deploy/healthcheck.sh", "deploy/perch.service")) {
            assertThat(home.resolve(f)).as(f).isRegularFile();
        }
        assertThat(home.resolve("deploy/docker-entrypoint.sh")).isExecutable();
        assertThat(home.resolve("deploy/healthcheck.sh")).isExecutable();
        assertThat(Files.readString(home.resolve("LICENSE"))).contains("Apache License", "Version 2.0, January 2004");
        try (Stream<Path> s = Files.list(home.resolve("lib"))) {
            List<String> jars = s.map(p -> p.getFileName().toString()).toList();
            for (String module : List.of("perch-server", "perch-broker", "perch-redis", "perch-auth", "perch-dashboard")) {
                assertThat(jars).as(module).contains(module + "-" + VERSION + ".jar");
            }
            assertThat(jars).anyMatch(j -> j.startsWith("embedded-redis-"))
                    .anyMatch(j -> j.startsWith("netty-codec-mqtt-"))
                    .anyMatch(j -> j.startsWith("logback-classic-"))
                    .noneMatch(j -> j.startsWith("junit") || j.startsWith("assertj") || j.startsWith("perch-bench"));
        }
        // data/ and log/ are made at start, not shipped; the zip holds the same files as the tar.gz.
        assertThat(home.resolve("data")).doesNotExist();
        assertThat(home.resolve("log")).doesNotExist();
        Set<String> tarFiles;
        try (Stream<Path> s = Files.walk(home)) {
            tarFiles = s.filter(Files::isRegularFile).map(p -> home.getParent().relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> zipFiles;
        try (ZipFile zip = new ZipFile(ZIP.toFile())) {
            zipFiles = zip.stream().filter(e -> !e.isDirectory()).map(e -> e.getName())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(zipFiles).isEqualTo(tarFiles);
    }

    @Test
    void startsFromTheUnpackedArchiveWithOnlyAJreAndStopsCleanlyOnSigterm() throws Exception {
        Path home = unpack();
        Ports ports = new Ports();
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/perch").toString(), "start",
                "--set", "listener.tcp.external=127.0.0.1:" + ports.mqtt,
                "--set", "listener.ws.external=127.0.0.1:" + ports.ws,
                "--set", "dashboard.listener.http=127.0.0.1:" + ports.dashboard,
                "--set", "backend.redis.embedded.port=" + ports.redis)
                .directory(tmp.toFile()); // any working directory: the launcher finds its home
        jreOnlyEnvironment(pb.environment());
        Path out = startBroker(pb);

        runAndStop(home, ports, out, () -> assertThat(broker.info().arguments().orElse(new String[0]))
                .as("Netty's leak detector off in a started broker").contains("-Dio.netty.leakDetection.level=disabled"));
        assertThat(home.resolve("data/redis")).isDirectory();
        assertThat(home.resolve("log/perch.log")).isRegularFile();
    }

    @Test
    void dockerEntrypointTakesConfigFromEnvironmentAndJavaGetsTheSignal() throws Exception {
        Path home = unpack();
        Ports ports = new Ports();
        ProcessBuilder pb = new ProcessBuilder(home.resolve("deploy/docker-entrypoint.sh").toString(),
                "--set", "node.name=container@127.0.0.1")
                .directory(tmp.toFile());
        Map<String, String> env = pb.environment();
        jreOnlyEnvironment(env);
        env.put("PERCH_HOME", home.toString());
        env.put("PERCH_CONF_LISTENER__TCP__EXTERNAL", "127.0.0.1:" + ports.mqtt);
        env.put("PERCH_CONF_LISTENER__WS__EXTERNAL", "127.0.0.1:" + ports.ws);
        env.put("PERCH_CONF_DASHBOARD__LISTENER__HTTP", "127.0.0.1:" + ports.dashboard);
        env.put("PERCH_CONF_BACKEND__REDIS__EMBEDDED__PORT", Integer.toString(ports.redis));
        env.put("PERCH_JAVA_OPTS", "-Xmx128m -Dio.netty.leakDetection.level=simple");
        Path out = startBroker(pb);

        runAndStop(home, ports, out, () -> {
            // The argument reached `bin/perch start`: the node's Redis hash is named after it.
            assertThat(redis(home, ports.redis, "EXISTS", "mqtt:node:container@127.0.0.1")).isEqualTo(":1");
            List<String> args = List.of(broker.info().arguments().orElse(new String[0]));
            assertThat(args).contains("-Xmx128m", "-Dio.netty.leakDetection.level=disabled");
            // The user's options come after bin/perch's own, so theirs win (the JVM takes the last -D).
            assertThat(args.lastIndexOf("-Dio.netty.leakDetection.level=simple"))
                    .isGreaterThan(args.indexOf("-Dio.netty.leakDetection.level=disabled"));
        });
    }

    @Test
    void healthCheckScriptPassesOnlyOn200() throws Exception {
        Path home = unpack();
        Path script = home.resolve("deploy/healthcheck.sh");
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int[] status = {200};
        http.createContext("/status", ex -> {
            ex.sendResponseHeaders(status[0], -1);
            ex.close();
        });
        http.start();
        try {
            int port = http.getAddress().getPort();
            assertThat(runScript(script, port)).isZero();
            status[0] = 503;
            assertThat(runScript(script, port)).isEqualTo(1);
        } finally {
            http.stop(0);
        }
        assertThat(runScript(script, freePort())).isEqualTo(1); // nothing listening
    }

    @Test
    void dockerfilePathsExistInTheArchiveLayout() throws Exception {
        Path home = unpack();
        String dockerfile = Files.readString(REPO.resolve("Dockerfile"));
        // The build stage unpacks the archive mvn package makes.
        Matcher tar = Pattern.compile("tar -xzf (\\S+)").matcher(dockerfile);
        assertThat(tar.find()).isTrue();
        String glob = tar.group(1);
        assertThat(ARCHIVE.getFileName().toString()).matches(glob.substring(glob.lastIndexOf('/') + 1)
                .replace(".", "\\.").replace("*", ".*"));
        assertThat(REPO.relativize(ARCHIVE.toAbsolutePath().normalize()).toString())
                .startsWith(glob.substring(0, glob.lastIndexOf('/') + 1));
        // Every /opt/perch/... path it names is in the archive, or is data/ or log/, which it creates.
        Matcher m = Pattern.compile("/opt/perch/([A-Za-z0-9_./-]+)").matcher(dockerfile);
        Set<String> named = new TreeSet<>();
        while (m.find()) {
            named.add(m.group(1));
        }
        assertThat(named).contains("deploy/docker-entrypoint.sh", "deploy/healthcheck.sh", "etc", "data", "log");
        for (String p : named) {
            if (p.equals("data") || p.equals("log")) {
                assertThat(dockerfile).contains("mkdir -p /opt/perch/data /opt/perch/log");
            } else {
                assertThat(home.resolve(p)).as(p).exists();
            }
        }
        String compose = Files.readString(REPO.resolve("docker-compose.yml"));
        assertThat(compose).contains("PERCH_CONF_BACKEND__REDIS__POOL1__SERVER: \"redis:6379\"", "image: redis:7");
    }

    @Test
    void systemdUnitVerifies() throws Exception {
        Path analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(analyze != null, "systemd-analyze is not installed");
        Path home = unpack();
        String unit = Files.readString(home.resolve("deploy/perch.service"));
        assertThat(unit).contains("ExecStart=/opt/perch/bin/perch start", "User=perch", "Restart=on-failure",
                "LimitNOFILE=1048576");
        // verify checks that ExecStart is executable: point it at the unpacked launcher.
        Path copy = tmp.resolve("perch.service");
        Files.writeString(copy, unit.replace("/opt/perch/bin/perch", home.resolve("bin/perch").toString()));
        Process p = new ProcessBuilder(analyze.toString(), "verify", copy.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).isEmpty(); // no warnings (an unknown key only warns)
    }

    // ---------------------------------------------------------------------------------------

    private void runAndStop(Path home, Ports ports, Path out) throws Exception {
        runAndStop(home, ports, out, () -> { });
    }

    private void runAndStop(Path home, Ports ports, Path out, ThrowingRunnable whileUp) throws Exception {
        String url = "tcp://127.0.0.1:" + ports.mqtt;
        MqttClient sub = client(url, "dist-sub");
        MqttClient pub = client(url, "dist-pub");
        await().atMost(START).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                // A broker that exited (a bad config, say) fails the test at once, with its output.
                .failFast("the broker exited", () -> assertThat(broker.isAlive())
                        .as("broker exited; output:%n%s", output(out)).isTrue())
                .untilAsserted(() -> connect(sub));
        List<String> received = new CopyOnWriteArrayList<>();
        sub.subscribe("dist/#", 1, (topic, msg) -> received.add(topic + " " + new String(msg.getPayload(), StandardCharsets.UTF_8)));
        connect(pub);
        pub.publish("dist/hello", "from the release".getBytes(StandardCharsets.UTF_8), 1, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("dist/hello from the release"));
        // bin/perch execs java: the process we started is now the JVM, so signals reach it directly.
        assertThat(broker.info().command().orElse("")).endsWith("/java");

        // The embedded redis-server answers on the configured port, as a child of the JVM.
        assertThat(redis(home, ports.redis, "PING")).isEqualTo("+PONG");
        List<ProcessHandle> children = broker.descendants().toList();
        started.addAll(children);
        assertThat(children).anyMatch(p -> p.info().command().orElse("").contains("redis-server"));
        whileUp.run();

        pub.disconnect();
        sub.disconnect();
        broker.destroy(); // SIGTERM
        assertThat(broker.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
        // A SIGTERM stop is a clean exit: status 0 (the JVM's default would be 143).
        assertThat(broker.exitValue()).as(output(out)).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(children).noneMatch(ProcessHandle::isAlive));
        assertThat(listening(ports.redis)).isFalse();
        assertThat(output(out)).contains("stopping Perch", "stopping the embedded Redis");
    }

    /** Unpacks the tar.gz with tar (file modes kept, as a user's tar does) and returns perch-VERSION/. */
    private Path unpack() throws Exception {
        assertThat(ARCHIVE).as("run mvn package first").isRegularFile();
        Path dir = Files.createDirectories(tmp.resolve("unpacked"));
        Process p = new ProcessBuilder("tar", "-xzf", ARCHIVE.toString(), "-C", dir.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> top = s.toList();
            assertThat(top).hasSize(1);
            return top.get(0);
        }
    }

    /**
     * Nothing but a JRE and the shell tools bin/perch uses: PATH is java's bin dir plus a
     * directory linking bash, dirname and readlink; no JAVA_HOME, no Maven.
     */
    private void jreOnlyEnvironment(Map<String, String> env) throws IOException {
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        for (String tool : List.of("bash", "dirname", "readlink")) {
            Path link = tools.resolve(tool);
            if (Files.notExists(link)) {
                Path real = Stream.of("/usr/bin/" + tool, "/bin/" + tool).map(Path::of).filter(Files::isExecutable)
                        .findFirst().orElseThrow(() -> new IllegalStateException("no " + tool));
                Files.createSymbolicLink(link, real);
            }
        }
        Path javaBin = Path.of(System.getProperty("java.home"), "bin");
        Map<String, String> keep = new LinkedHashMap<>();
        keep.put("PATH", javaBin + ":" + tools);
        keep.put("HOME", tmp.toString());
        keep.put("LANG", "C.UTF-8");
        env.clear();
        env.putAll(keep);
    }

    private Path startBroker(ProcessBuilder pb) throws IOException {
        Path out = tmp.resolve("perch.out");
        broker = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return out;
    }

    private int runScript(Path script, int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(script.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("health.out").toFile());
        jreOnlyEnvironment(pb.environment());
        pb.environment().put("PERCH_HEALTH_PORT", Integer.toString(port));
        Process p = pb.start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private MqttClient client(String url, String id) throws MqttException {
        MqttClient c = new MqttClient(url, id, new MemoryPersistence());
        clients.add(c);
        return c;
    }

    private static void connect(MqttClient c) throws MqttException {
        if (!c.isConnected()) {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setConnectionTimeout(2);
            c.connect(o);
        }
    }

    private static String output(Path out) {
        try {
            return Files.readString(out);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** One RESP command, its first reply line. */
    /** One command to the embedded Redis, after AUTH with the password it generated in the data dir. */
    private static String redis(Path home, int port, String... args) throws IOException {
        String password = Files.readString(home.resolve("data/redis/password")).strip();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write(command("AUTH", password));
            o.write(command(args));
            o.flush();
            InputStream in = s.getInputStream();
            String auth = line(in);
            if (!auth.equals("+OK")) {
                throw new IOException("AUTH answered " + auth);
            }
            return line(in);
        }
    }

    private static byte[] command(String... args) {
        StringBuilder cmd = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            cmd.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return cmd.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Four distinct free loopback ports. */
    private static final class Ports {
        final int mqtt;
        final int ws;
        final int dashboard;
        final int redis;

        Ports() throws IOException {
            List<ServerSocket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
                }
                mqtt = held.get(0).getLocalPort();
                ws = held.get(1).getLocalPort();
                dashboard = held.get(2).getLocalPort();
                redis = held.get(3).getLocalPort();
            } finally {
                for (ServerSocket s : held) {
                    s.close();
                }
            }
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
