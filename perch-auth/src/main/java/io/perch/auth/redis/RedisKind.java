package io.perch.auth.redis;

import io.perch.auth.spi.SourceKind;
import io.perch.auth.spi.Sources;
import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.redis.config.HostPort;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;
import io.perch.redis.config.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
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
    /** EMQ X TLS tuning with no meaning here: the JVM picks versions, ciphers and SNI. */
    private static final Set<String> IGNORED = Set.of("ssl.tls_versions", "ssl.ciphers", "ssl.server_name_indication",
            "ssl.reuse_sessions", "ssl.secure_renegotiate");

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
            if (IGNORED.contains(k)) {
                log.info("{}: {} is accepted for EMQ X compatibility and has no effect", e.where(), e.key());
            } else if (!KEYS.contains(k)) {
                throw new ConfigException(e, "unknown key; the redis source has " + PREFIX
                        + String.join(", " + PREFIX, KEYS));
            } else {
                keys.put(k, e);
            }
        }
        PoolType type = PoolType.SINGLE;
        List<HostPort> servers = List.of(new HostPort("127.0.0.1", 6379));
        String sentinel = null;
        int poolSize = 8;
        int database = 0;
        String password = null;
        Duration timeout = Duration.ofSeconds(5);
        boolean ssl = false;
        boolean verify = true;
        String ca = null;
        String cert = null;
        String key = null;
        RedisCommand authCmd = null;
        RedisCommand superCmd = null;
        RedisCommand aclCmd = null;
        PasswordHash hash = PasswordHash.of(PasswordHash.Algo.PLAIN, PasswordHash.Salt.NONE);
        for (Map.Entry<String, ConfigEntry> kv : keys.entrySet()) {
            ConfigEntry e = kv.getValue();
            String v = e.value() == null ? "" : e.value().trim();
            switch (kv.getKey()) {
                case "type" -> type = switch (v) {
                    case "single" -> PoolType.SINGLE;
                    case "sentinel" -> PoolType.SENTINEL;
                    case "cluster" -> PoolType.CLUSTER;
                    default -> throw new ConfigException(e, "expected single, sentinel or cluster");
                };
                case "server" -> servers = servers(e, v);
                case "sentinel" -> sentinel = v.isEmpty() ? null : v;
                // Accepted, not used: one Lettuce connection multiplexes every query (they are
                // independent reads, so nothing waits behind a slow one but its own reply).
                case "pool" -> poolSize = number(e, v, 1, "a positive number of connections, e.g. 8");
                case "database" -> database = number(e, v, 0, "a database index 0, 1, 2...");
                case "password" -> password = v.isEmpty() ? null : v;
                case "query_timeout" -> {
                    timeout = ConfigDurations.parse(e);
                    if (timeout.isZero()) {
                        throw new ConfigException(e, "a query needs some time; e.g. 5s");
                    }
                }
                case "ssl" -> ssl = switch (v) {
                    case "on", "true" -> true;
                    case "off", "false", "" -> false;
                    default -> throw new ConfigException(e, "expected on or off");
                };
                case "ssl.cacertfile" -> ca = v.isEmpty() ? null : v;
                case "ssl.certfile" -> cert = v.isEmpty() ? null : v;
                case "ssl.keyfile" -> key = v.isEmpty() ? null : v;
                case "ssl.verify" -> verify = switch (v) {
                    case "verify_peer", "on", "true" -> true;
                    case "verify_none", "off", "false" -> false;
                    default -> throw new ConfigException(e, "expected true (verify_peer) or false (verify_none)");
                };
                case "auth_cmd" -> authCmd = v.isEmpty() ? null : RedisCommand.parse(e, Set.of("HGET", "HMGET", "GET"));
                case "super_cmd" -> superCmd = v.isEmpty() ? null : RedisCommand.parse(e, Set.of("HGET", "HMGET", "GET"));
                case "acl_cmd" -> aclCmd = v.isEmpty() ? null : RedisCommand.parse(e, Set.of("HGETALL"));
                default -> hash = PasswordHash.parse(e); // password_hash
            }
        }
        ConfigEntry where = keys.getOrDefault("type", keys.getOrDefault("server", entries.get(0)));
        if (type == PoolType.SENTINEL && sentinel == null) {
            throw new ConfigException(where, "type sentinel needs " + PREFIX + "sentinel = <master name>, e.g. mymaster");
        }
        if (type == PoolType.SINGLE && servers.size() > 1) {
            throw new ConfigException(keys.getOrDefault("server", where), "type single takes one host:port; "
                    + "for several set " + PREFIX + "type = sentinel or cluster");
        }
        if ((cert == null) != (key == null)) {
            throw new ConfigException(keys.getOrDefault("ssl.certfile", keys.getOrDefault("ssl.keyfile", where)),
                    "ssl.certfile and ssl.keyfile go together");
        }
        if (authCmd == null && aclCmd == null) {
            throw new ConfigException(entries.get(0), "the redis source is configured but has neither "
                    + PREFIX + "auth_cmd nor " + PREFIX + "acl_cmd; set one (e.g. auth_cmd = HMGET mqtt_user:%u "
                    + "password) or remove the " + PREFIX + "* keys");
        }
        if (superCmd != null && authCmd == null) {
            log.warn("{}: {}super_cmd has no effect without {}auth_cmd", keys.get("super_cmd").where(), PREFIX, PREFIX);
        }
        PoolConfig pool = new PoolConfig("auth.redis", type, servers, sentinel, poolSize, database, null, password,
                null, ssl ? new TlsConfig(true, ca, cert, key, verify) : TlsConfig.OFF);
        return new RedisSettings(pool, timeout, authCmd, hash, superCmd, aclCmd);
    }

    private static List<HostPort> servers(ConfigEntry e, String v) {
        List<HostPort> list = new ArrayList<>();
        for (String part : v.split(",")) {
            try {
                list.add(HostPort.parse(part));
            } catch (IllegalArgumentException x) {
                throw new ConfigException(e, x.getMessage() + "; write host:port, or a comma list for sentinel/cluster");
            }
        }
        return List.copyOf(list);
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
