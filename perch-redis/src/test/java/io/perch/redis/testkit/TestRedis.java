package io.perch.redis.testkit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.perch.redis.embedded.RedisBinary;
import io.perch.redis.embedded.RedisProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real redis-server for one test: the one on PATH, else the binary inside the embedded-redis
 * jar, on a free port with its own directory. {@link #close()} stops it and its clients even when
 * the test failed; {@link #kill()} and {@link #restart()} simulate Redis going away and returning.
 */
public final class TestRedis implements AutoCloseable {
    private final Path dir;
    private final Path binary;
    private int port; // changes only if the first port was taken before the server bound it
    private final List<String> extra;
    private Path configFile;
    private boolean durable = true;
    private RedisProcess process;
    private RedisClient client;
    private StatefulRedisConnection<String, String> conn;
    private StatefulRedisConnection<byte[], byte[]> raw;

    private TestRedis(Path dir, Path binary, int port, List<String> extra) {
        this.dir = dir;
        this.binary = binary;
        this.port = port;
        this.extra = extra;
    }

    public static TestRedis start(String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("perch-test-redis");
            Path bin = RedisBinary.pathOrBundled(Path.of(System.getProperty("java.io.tmpdir"), "perch-redis-bin"));
            TestRedis r = new TestRedis(dir, bin, freePort(), List.of(extraArgs));
            r.launch();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Redis on {@code port} (tests of a pool configured before its Redis runs); fails if the port is taken. */
    public static TestRedis startOn(int port) {
        try {
            Path dir = Files.createTempDirectory("perch-test-redis");
            Path bin = RedisBinary.pathOrBundled(Path.of(System.getProperty("java.io.tmpdir"), "perch-redis-bin"));
            TestRedis r = new TestRedis(dir, bin, port, List.of());
            r.process = RedisProcess.start(bin, null, "127.0.0.1", port, dir,
                    List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"), Duration.ofSeconds(15));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A sentinel watching {@code master} at 127.0.0.1:{@code masterPort}, quick to declare it
     * down (1 s) so failover tests stay short.
     */
    public static TestRedis sentinel(String master, int masterPort) {
        try {
            Path dir = Files.createTempDirectory("perch-test-sentinel");
            Path bin = RedisBinary.pathOrBundled(Path.of(System.getProperty("java.io.tmpdir"), "perch-redis-bin"));
            TestRedis r = new TestRedis(dir, bin, freePort(), List.of("--sentinel"));
            r.durable = false;
            r.configFile = dir.resolve("sentinel.conf");
            Files.writeString(r.configFile, String.join("\n",
                    "sentinel monitor " + master + " 127.0.0.1 " + masterPort + " 2",
                    "sentinel down-after-milliseconds " + master + " 1000",
                    "sentinel failover-timeout " + master + " 5000",
                    "sentinel parallel-syncs " + master + " 1", ""));
            r.launch();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts redis-server on the free port found for it. Between finding the port and the
     * server binding it another process may take it: then the server exits, and this tries
     * again on another free port (a few times) rather than fail the test.
     */
    private void launch() throws IOException {
        List<String> args = new ArrayList<>();
        if (durable) {
            args.addAll(List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"));
        }
        args.addAll(extra);
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                if (attempt > 0) {
                    port = freePort();
                }
                process = RedisProcess.start(binary, configFile, "127.0.0.1", port, dir, args, Duration.ofSeconds(15));
                return;
            } catch (IOException e) {
                last = e; // most likely the port was taken meanwhile
            }
        }
        throw last;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public Path binary() {
        return binary;
    }

    public String server() {
        return "127.0.0.1:" + port;
    }

    /** String commands for assertions (keys and fields as text). */
    public synchronized RedisCommands<String, String> cli() {
        if (client == null) {
            client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        }
        if (conn == null || !conn.isOpen()) {
            conn = client.connect();
        }
        return conn.sync();
    }

    /** Byte commands, for payload assertions. */
    public synchronized RedisCommands<byte[], byte[]> raw() {
        cli();
        if (raw == null || !raw.isOpen()) {
            raw = client.connect(ByteArrayCodec.INSTANCE, RedisURI.create("127.0.0.1", port));
        }
        return raw.sync();
    }

    /** SIGKILL: Redis disappears as in a crash (AOF with fsync always keeps every acknowledged write). */
    public void kill() {
        closeClients();
        process.kill();
    }

    /** Starts again on the same port and directory, reloading the AOF. */
    public void restart() {
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void closeClients() {
        if (conn != null) {
            conn.close();
            conn = null;
        }
        if (raw != null) {
            raw.close();
            raw = null;
        }
    }

    @Override
    public void close() {
        closeClients();
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        if (process != null) {
            process.kill();
        }
        deleteTree(dir);
    }

    static void deleteTree(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp dir
        }
    }
}
