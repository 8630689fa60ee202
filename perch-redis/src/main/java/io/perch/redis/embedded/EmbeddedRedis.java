package io.perch.redis.embedded;

import io.perch.redis.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The embedded default: when a pool's server is a loopback address where nothing answers,
 * start the bundled redis-server there, durable (AOF, fsync every second) with its data under
 * {@code <dataDir>/redis}, so that a fresh machine runs Perch with no Redis installed and
 * {@code redis-cli -p 6379 keys '*'} shows the keys.
 */
public final class EmbeddedRedis {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);

    private EmbeddedRedis() {
    }

    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Starts one when needed; empty when something already listens there (we never start a second). */
    public static Optional<RedisProcess> startIfAbsent(String pool, HostPort server, Path dataDir) throws IOException {
        if (!isLoopback(server.host()) || RedisProcess.listening(server.host(), server.port())) {
            return Optional.empty();
        }
        Path dir = dataDir.resolve("redis");
        Path bin = RedisBinary.bundledOrPath(dir.resolve("bin"));
        RedisProcess p = RedisProcess.start(bin, server.host(), server.port(), dir,
                List.of("--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                        // A stored message is a 7-field hash whose payload is often over Redis's
                        // 64-byte default for compact hashes: allowing 1 KiB values keeps such
                        // hashes compact (about 40 % less memory, and less work for AOF rewrites).
                        "--hash-max-ziplist-value", "1024"), Duration.ofSeconds(15));
        log.info("Redis pool {}: nothing answered on {}, so started the embedded redis-server (pid {}, AOF on, data in {}); "
                + "set backend.redis.embedded = off to use only an external Redis", pool, server, p.pid(), dir);
        return Optional.of(p);
    }
}
