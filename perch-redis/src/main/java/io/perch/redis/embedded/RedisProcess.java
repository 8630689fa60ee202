package io.perch.redis.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server child process: started with explicit arguments, considered up when it
 * answers PING, stopped with SIGTERM (Redis then fsyncs its AOF and exits) and, failing that,
 * killed. Used by the embedded default and by tests.
 */
public final class RedisProcess implements AutoCloseable {
    private final Process process;
    private final String host;
    private final int port;

    private RedisProcess(Process process, String host, int port) {
        this.process = process;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts {@code binary} on host:port with {@code dir} as its working directory and the extra
     * arguments (e.g. {@code --appendonly yes}); waits up to {@code wait} for PING.
     */
    public static RedisProcess start(Path binary, String host, int port, Path dir, List<String> extra, Duration wait)
            throws IOException {
        return start(binary, null, host, port, dir, extra, wait);
    }

    /** As above with a config file first (sentinels need one they can rewrite). */
    public static RedisProcess start(Path binary, Path configFile, String host, int port, Path dir, List<String> extra,
                                     Duration wait) throws IOException {
        return start(binary, configFile, host, port, dir, extra, wait, false);
    }

    /**
     * As above; {@code ownSession}: the server runs in a session of its own ({@code setsid}, when
     * the machine has it), so a Ctrl-C in the broker's terminal reaches the broker alone, which
     * stops this server last, after its own final writes. Without it the terminal's SIGINT stops
     * Redis at once, under the broker's feet. (Tests keep the default: a Ctrl-C of the build
     * should stop their servers too.)
     */
    public static RedisProcess start(Path binary, Path configFile, String host, int port, Path dir, List<String> extra,
                                     Duration wait, boolean ownSession) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        Path setsid = ownSession ? setsid() : null;
        if (setsid != null) {
            cmd.add(setsid.toString()); // execs the server in place (a spawned child leads no group): same pid
        }
        cmd.add(binary.toString());
        if (configFile != null) {
            cmd.add(configFile.toString());
        }
        cmd.addAll(List.of("--bind", host, "--port", Integer.toString(port),
                "--dir", dir.toString(), "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.out").toFile()).start();
        RedisProcess rp = new RedisProcess(p, host, port);
        long deadline = System.nanoTime() + wait.toNanos();
        while (!answersPing(host, port)) {
            if (!p.isAlive()) {
                throw new IOException("redis-server exited with " + p.exitValue() + "; see " + dir.resolve("redis.log"));
            }
            if (System.nanoTime() > deadline) {
                rp.close();
                throw new IOException("redis-server did not answer on " + host + ":" + port + " within " + wait);
            }
            try {
                // Start-up polling of a child process, not a test's correctness wait.
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                rp.close();
                throw new IOException("interrupted while starting redis-server");
            }
        }
        return rp;
    }

    /** util-linux's setsid, where a Linux machine keeps it; null elsewhere. */
    private static Path setsid() {
        for (String d : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(d, "setsid");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** True when something on host:port answers PING with PONG (or with an auth error: it is a Redis). */
    public static boolean answersPing(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 300);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64];
            int n = in.read(buf);
            if (n <= 0) {
                return false;
            }
            String reply = new String(buf, 0, n, StandardCharsets.US_ASCII);
            return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH") || reply.startsWith("-LOADING");
        } catch (IOException e) {
            return false;
        }
    }

    /** True when anything accepts TCP connections on host:port. */
    public static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM, wait up to 10 s, then SIGKILL. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    public void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Kills at once, as a crash would (tests of Redis going away). */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
