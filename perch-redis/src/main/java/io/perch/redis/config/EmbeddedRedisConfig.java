package io.perch.redis.config;

import java.nio.file.Path;

/**
 * {@code backend.redis.embedded*}: the redis-server Perch runs itself for the pools whose
 * server is {@code embedded}.
 *
 * @param enabled {@code backend.redis.embedded = on|off}; off forbids {@code server = embedded}
 * @param bind    {@code backend.redis.embedded.bind}, the address it listens on (loopback by default)
 * @param port    {@code backend.redis.embedded.port}
 * @param dir     {@code backend.redis.embedded.dir}, its data dir; null means {@code <data.dir>/redis}
 */
public record EmbeddedRedisConfig(boolean enabled, String bind, int port, String dir) {
    public static final EmbeddedRedisConfig DEFAULT = new EmbeddedRedisConfig(true, "127.0.0.1", 6379, null);

    /** The data dir: {@link #dir} resolved against the Perch home, or {@code <dataDir>/redis}. */
    public Path dataDir(Path home, Path dataDir) {
        return dir == null ? dataDir.resolve("redis") : home.resolve(dir);
    }

    public HostPort address() {
        return new HostPort(bind, port);
    }
}
