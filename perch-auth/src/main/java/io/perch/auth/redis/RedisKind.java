package io.perch.auth.redis;

import io.perch.auth.spi.SourceKind;
import io.perch.auth.spi.Sources;
import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code redis} source: EMQ X 4's emqx_auth_redis keys ({@code auth.redis.*}), so that its
 * {@code emqx_auth_redis.conf} works unchanged. The source is on when a file sets any of them;
 * {@code auth_cmd} turns on authentication and {@code acl_cmd} the ACL, as in EMQ X.
 */
public final class RedisKind implements SourceKind {
    private static final Logger log = LoggerFactory.getLogger(RedisKind.class);
    static final String PREFIX = "auth.redis.";
    private static final List<String> KEYS = List.of("type", "server", "sentinel", "pool", "database", "password",
            "query_timeout", "ssl", "ssl.cacertfile", "ssl.certfile", "ssl.keyfile", "ssl.verify", "auth_cmd",
            "password_hash", "super_cmd", "acl_cmd");

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public List<String> prefixes() {
        return List.of(PREFIX);
    }

    @Override
    public Sources configure(List<ConfigEntry> entries) {
        if (entries.isEmpty()) {
            return null;
        }
        return new RedisSources(settings(entries));
    }

    /** Validates the {@code auth.redis.*} entries (the last of a repeated key wins, as in EMQ X). */
    static RedisSettings settings(List<ConfigEntry> entries) {
        Map<String, ConfigEntry> keys = new LinkedHashMap<>();
        for (ConfigEntry e : entries) {
            String k = e.key().substring(PREFIX.length());
            if (!KEYS.contains(k) && !PoolKeys.ignored(k)) {
                throw new ConfigException(e, "unknown key; the redis source has " + PREFIX
                        + String.join(", " + PREFIX, KEYS));
            }
            keys.put(k, e);
        }
        PoolKeys connection = new PoolKeys(PREFIX);
        int poolSize = 8;
        Duration timeout = Duration.ofSeconds(5);
        RedisCommand authCmd = null;
        RedisCommand superCmd = null;
        RedisCommand aclCmd = null;
        PasswordHash hash = PasswordHash.of(PasswordHash.Algo.PLAIN, PasswordHash.Salt.NONE);
        for (Map.Entry<String, ConfigEntry> kv : keys.entrySet()) {
            ConfigEntry e = kv.getValue();
            String v = e.value() == null ? "" : e.value().trim();
            switch (kv.getKey()) {
                // Accepted, not used: one Lettuce connection multiplexes every query (they are
                // independent reads, so nothing waits behind a slow one but its own reply).
                case "pool" -> poolSize = number(e, v, 1, "a positive number of connections, e.g. 8");
                case "query_timeout" -> {
                    timeout = ConfigDurations.parse(e);
                    if (timeout.isZero()) {
                        throw new ConfigException(e, "a query needs some time; e.g. 5s");
                    }
                }
                case "auth_cmd" -> authCmd = v.isEmpty() ? null : RedisCommand.parse(e, Set.of("HGET", "HMGET", "GET"));
                case "super_cmd" -> superCmd = v.isEmpty() ? null : RedisCommand.parse(e, Set.of("HGET", "HMGET", "GET"));
                case "acl_cmd" -> aclCmd = v.isEmpty() ? null : RedisCommand.parse(e, Set.of("HGETALL"));
                case "password_hash" -> hash = PasswordHash.parse(e);
                default -> connection.take(kv.getKey(), e); // server, type, sentinel, database, password, ssl.*, EMQ X keys without effect
            }
        }
        if (authCmd == null && aclCmd == null) {
            throw new ConfigException(entries.get(0), "the redis source is configured but has neither "
                    + PREFIX + "auth_cmd nor " + PREFIX + "acl_cmd; set one (e.g. auth_cmd = HMGET mqtt_user:%u "
                    + "password) or remove the " + PREFIX + "* keys");
        }
        if (superCmd != null && authCmd == null) {
            log.warn("{}: {}super_cmd has no effect without {}auth_cmd", keys.get("super_cmd").where(), PREFIX, PREFIX);
        }
        PoolConfig pool = connection.build("auth.redis", poolSize, null, false, keys);
        return new RedisSettings(pool, timeout, authCmd, hash, superCmd, aclCmd);
    }

    private static int number(ConfigEntry e, String v, int min, String expected) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(e, "expected " + expected);
    }
}
