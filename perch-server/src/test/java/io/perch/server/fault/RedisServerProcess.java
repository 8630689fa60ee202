package io.perch.server.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real redis-server outside the broker, so it survives the broker's kills: the one on PATH,
 * else the binary inside the embedded-redis jar (on the test class path through perch-redis).
 * A small equivalent of perch-redis's TestRedis, which perch-server's tests cannot see: that
 * module is a runtime-only dependency here, on purpose (the server finds it by ServiceLoader).
 * AOF with fsync always, so what Redis acknowledged is on disk.
 */
final class RedisServerProcess implements AutoCloseable {
    private final Path dir;
    private final Process process;
    private final int port;

    private RedisServerProcess(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    static RedisServerProcess start() throws IOException {
        Path dir = Files.createTempDirectory("perch-fault-redis");
        Path binary = binary();
        IOException last = null;
        // The free port may be taken between finding it and redis binding it: try another.
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Process p = new ProcessBuilder(binary.toString(), "--bind", "127.0.0.1", "--port", Integer.toString(port),
                    "--dir", dir.toString(), "--daemonize", "no", "--save", "", "--appendonly", "yes",
                    "--appendfsync", "always", "--logfile", dir.resolve("redis.log").toString())
                    .directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.out").toFile()).start();
            RedisServerProcess r = new RedisServerProcess(dir, p, port);
            try {
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                        .until(() -> !p.isAlive() || answersPing(port));
            } catch (RuntimeException e) {
                r.close();
                throw e;
            }
            if (p.isAlive()) {
                return r;
            }
            last = new IOException("redis-server on port " + port + " exited with " + p.exitValue());
        }
        deleteTree(dir);
        throw last;
    }

    int port() {
        return port;
    }

    String server() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
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
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16];
            int n = in.read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
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
        return "redis-server " + server() + " (pid " + process.pid() + ", dir " + dir + ")";
    }
}
