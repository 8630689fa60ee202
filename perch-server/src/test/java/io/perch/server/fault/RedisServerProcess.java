package io.perch.server.fault;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real redis-server outside the broker, so it survives the broker's kills: the one on PATH,
 * else the binary inside the embedded-redis jar (on the test class path through perch-redis).
 * A small equivalent of perch-redis's TestRedis, which perch-server's tests cannot see: that
 * module is a runtime-only dependency here, on purpose (the server finds it by ServiceLoader).
 * AOF with fsync always, so what Redis acknowledged is on disk. It can be killed with SIGKILL
 * and started again on the same port and data dir ({@link #kill9()}, {@link #restart()}), and
 * it can run as a replica ({@code --replicaof}) or as a Sentinel ({@link #sentinel}).
 */
final class RedisServerProcess implements AutoCloseable {
    private static final Duration START_WITHIN = Duration.ofSeconds(15);

    private final Path dir;
    private final Path binary;
    private final List<String> args;
    private final int port;
    private volatile Process process;
    private int starts = 1;

    private RedisServerProcess(Path dir, Path binary, List<String> args, Process process, int port) {
        this.dir = dir;
        this.binary = binary;
        this.args = List.copyOf(args);
        this.process = process;
        this.port = port;
    }

    /** A durable redis-server (AOF, fsync always) with {@code extra} arguments, e.g. {@code --replicaof host port}. */
    static RedisServerProcess start(String... extra) throws IOException {
        Path dir = Files.createTempDirectory("perch-fault-redis");
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--dir", dir.toString(), "--daemonize", "no",
                "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--logfile", dir.resolve("redis.log").toString()));
        args.addAll(List.of(extra));
        return launchOnFreePort(dir, args);
    }

    /**
     * A Sentinel watching {@code master} at 127.0.0.1:{@code masterPort}, alone (quorum 1), with
     * the short timings perch-redis's SentinelFailoverTest uses so a test's failover takes seconds:
     * the master counts as down after 1 s, a failed failover is retried after 5 s.
     */
    static RedisServerProcess sentinel(String master, int masterPort) throws IOException {
        return sentinel(master, masterPort, 1);
    }

    /** The same, one of several Sentinels that need {@code quorum} of them to agree the master is down. */
    static RedisServerProcess sentinel(String master, int masterPort, int quorum) throws IOException {
        Path dir = Files.createTempDirectory("perch-fault-sentinel");
        Path conf = dir.resolve("sentinel.conf"); // Sentinel rewrites its file: it must be its own, writable
        Files.writeString(conf, String.join("\n",
                "sentinel monitor " + master + " 127.0.0.1 " + masterPort + " " + quorum,
                "sentinel down-after-milliseconds " + master + " 1000",
                "sentinel failover-timeout " + master + " 5000",
                "sentinel parallel-syncs " + master + " 1", ""));
        return launchOnFreePort(dir, List.of(conf.toString(), "--sentinel", "--bind", "127.0.0.1", "--dir",
                dir.toString(), "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString()));
    }

    private static RedisServerProcess launchOnFreePort(Path dir, List<String> args) throws IOException {
        Path binary = binary();
        IOException last = null;
        // The free port may be taken between finding it and redis binding it: try another.
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            List<String> withPort = new ArrayList<>(args);
            withPort.addAll(List.of("--port", Integer.toString(port)));
            RedisServerProcess r = new RedisServerProcess(dir, binary, withPort, null, port);
            try {
                if (r.launch()) {
                    return r;
                }
            } catch (RuntimeException | IOException e) {
                r.close();
                throw e;
            }
            last = new IOException("redis-server on port " + port + " exited with " + r.process.exitValue());
        }
        deleteTree(dir);
        throw last;
    }

    /** Starts the process and waits until it answers PING; false if it exited instead. */
    private boolean launch() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.out").toFile())).start();
        process = p;
        await().atMost(START_WITHIN).pollInterval(Duration.ofMillis(20)).until(() -> !p.isAlive() || answersPing(port));
        return p.isAlive();
    }

    /** SIGKILL, as in a crash: nothing flushed beyond what fsync always already put on disk. */
    void kill9() throws InterruptedException {
        Process p = process;
        if (!p.isAlive()) {
            throw new IllegalStateException(this + " died before it was killed:\n" + logTail(20));
        }
        p.destroyForcibly();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(this + " still alive 10 s after SIGKILL");
        }
    }

    /** The same server again: same port, same data dir (so its AOF), same arguments. */
    void restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("restart while " + this + " is still running");
        }
        starts++;
        if (!launch()) {
            throw new IOException(this + " did not come back (start " + starts + ", exit " + process.exitValue()
                    + "):\n" + logTail(20));
        }
    }

    /** The server's INFO {@code section}, or "" while it does not answer. */
    String info(String section) {
        return RespProbe.info(port, section);
    }

    String logTail(int n) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("redis.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    int port() {
        return port;
    }

    String server() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
        try {
            if (p != null) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean answersPing(int port) {
        return RespProbe.ping(port);
    }

    private static Path binary() throws IOException {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, "redis-server");
            if (!d.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String resource = arch.contains("aarch64") || arch.contains("arm64")
                ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        try (InputStream in = RedisServerProcess.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no redis-server on PATH and no " + resource + " on the class path");
            }
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "perch-fault-redis-bin"));
            Path target = dir.resolve(resource);
            if (!Files.isExecutable(target)) {
                Path tmp = Files.createTempFile(dir, "redis-server", ".part");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                if (!tmp.toFile().setExecutable(true)) {
                    throw new IOException("cannot make " + tmp + " executable");
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return target;
        }
    }

    private static void deleteTree(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp dir
        }
    }

    @Override
    public String toString() {
        Process p = process;
        return "redis-server " + server() + " (pid " + (p == null ? "-" : p.pid()) + ", dir " + dir + ")";
    }
}
