package io.perch.redis.config;

import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.util.List;
import java.util.Set;

/**
 * Reads {@code persistence.mode}, {@code persistence.pool} and {@code persistence.ack} once the
 * pools are known (the defaults depend on them). Anything else under {@code persistence.} stops
 * start-up naming the line. Runs once, on the thread that configures the plugin.
 */
public final class PersistenceConfigParser {
    public static final String PREFIX = "persistence.";

    /** {@code pools}: the configured pool names, in file order. */
    public PersistenceConfig parse(List<ConfigEntry> entries, Set<String> pools) {
        ConfigEntry modeLine = null;
        ConfigEntry poolLine = null;
        AckMode ack = AckMode.REDIS;
        java.time.Duration ackTimeout = PersistenceConfig.DEFAULT_ACK_TIMEOUT;
        java.time.Duration linger = PersistenceConfig.DEFAULT_LINGER;
        for (ConfigEntry e : entries) {
            if (!e.key().startsWith(PREFIX)) {
                throw new ConfigException(e, "not a persistence key");
            }
            switch (e.key().substring(PREFIX.length())) {
                case "mode" -> modeLine = e;
                case "pool" -> poolLine = e;
                case "ack" -> ack = ack(e, value(e));
                case "ack_timeout" -> ackTimeout = millis(e, 1);
                case "linger" -> linger = millis(e, 0);
                default -> throw new ConfigException(e, "unknown key; persistence settings are persistence.mode, "
                        + "persistence.pool, persistence.ack, persistence.ack_timeout and persistence.linger");
            }
        }
        PersistenceConfig.Mode mode = pools.isEmpty() ? PersistenceConfig.Mode.MEMORY : PersistenceConfig.Mode.REDIS;
        if (modeLine != null) {
            mode = switch (value(modeLine)) {
                case "redis" -> PersistenceConfig.Mode.REDIS;
                case "memory" -> PersistenceConfig.Mode.MEMORY;
                default -> throw new ConfigException(modeLine, "expected redis or memory");
            };
            if (mode == PersistenceConfig.Mode.REDIS && pools.isEmpty()) {
                throw new ConfigException(modeLine, "no Redis pool is configured; add backend.redis.pool1.server = "
                        + "host:port, or set persistence.mode = memory");
            }
        }
        if (mode == PersistenceConfig.Mode.MEMORY) {
            return new PersistenceConfig(mode, null, ack, ackTimeout, linger);
        }
        String pool = pools.iterator().next();
        if (poolLine != null) {
            pool = value(poolLine);
            if (!pools.contains(pool)) {
                throw new ConfigException(poolLine, "unknown pool; configure backend.redis." + pool
                        + ".server or use one of " + pools);
            }
        }
        return new PersistenceConfig(mode, pool, ack, ackTimeout, linger);
    }

    private static String value(ConfigEntry e) {
        return e.value() == null ? "" : e.value().trim();
    }

    /** A duration as every key spells one ({@link ConfigDurations}), at least {@code min} ms. */
    private static java.time.Duration millis(ConfigEntry e, long min) {
        java.time.Duration d = ConfigDurations.parse(e);
        if (d.toMillis() < min) {
            // An ack timeout of 0 would make WAIT block forever.
            throw new ConfigException(e, "expected a time of at least " + min + " ms, e.g. 500ms or 2s");
        }
        return d;
    }

    private static AckMode ack(ConfigEntry e, String v) {
        switch (v) {
            case "redis":
                return AckMode.REDIS;
            case "fsync":
                return AckMode.FSYNC;
            case "none":
                return AckMode.NONE;
            default:
                if (v.startsWith("replicas:")) {
                    try {
                        int n = Integer.parseInt(v.substring("replicas:".length()).trim());
                        if (n > 0) {
                            return AckMode.replicas(n);
                        }
                    } catch (NumberFormatException ignored) {
                        // reported below
                    }
                }
                throw new ConfigException(e, "expected redis, replicas:N (N >= 1), fsync or none");
        }
    }
}
