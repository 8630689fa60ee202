package io.perch.redis.config;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.redis.codec.Compat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads every {@code backend.redis.*} entry (spec section 2). A user's unchanged EMQ X file
 * parses: keys EMQ X knows but Perch does not need are accepted with a log line; anything else
 * unknown, and every bad rule, stops start-up naming the file and line.
 */
public final class BackendConfigParser {
    private static final Logger log = LoggerFactory.getLogger(BackendConfigParser.class);
    public static final String PREFIX = "backend.redis.";
    /** Names that are settings of the backend itself, so no pool may take them. */
    private static final Set<String> RESERVED = Set.of("hook", "compat", "embedded", "backlog");

    /** The server value that means "the redis-server Perch runs itself". */
    public static final String EMBEDDED = "embedded";

    private final RuleParser rules = new RuleParser();

    public BackendConfig parse(List<ConfigEntry> entries) {
        Map<String, Map<String, ConfigEntry>> poolKeys = new LinkedHashMap<>();
        List<HookRule> hookRules = new ArrayList<>();
        Compat compat = Compat.PERCH;
        boolean embedded = true;
        String embeddedBind = EmbeddedRedisConfig.DEFAULT.bind();
        int embeddedPort = EmbeddedRedisConfig.DEFAULT.port();
        String embeddedDir = null;
        ConfigEntry embeddedOff = null;
        int backlogMax = BackendConfig.DEFAULT_BACKLOG_MAX;
        for (ConfigEntry e : entries) {
            if (!e.key().startsWith(PREFIX)) {
                throw new ConfigException(e, "not a backend.redis key");
            }
            String rest = e.key().substring(PREFIX.length());
            String value = e.value() == null ? "" : e.value().trim();
            switch (rest) {
                case "compat" -> compat = switch (value) {
                    case "emqx4" -> Compat.EMQX4;
                    case "off", "none", "perch", "" -> Compat.PERCH;
                    default -> throw new ConfigException(e, "expected emqx4 (EMQ X 4.x ids and millisecond timestamps) or off");
                };
                case "embedded" -> {
                    embedded = onOff(e, value);
                    embeddedOff = embedded ? null : e;
                }
                case "embedded.bind" -> {
                    if (value.isEmpty()) {
                        throw new ConfigException(e, "expected the address the embedded Redis listens on, e.g. 127.0.0.1");
                    }
                    embeddedBind = value;
                }
                case "embedded.port" -> {
                    embeddedPort = positiveInt(e, value, "a TCP port, e.g. 6379");
                    if (embeddedPort > 65535) {
                        throw new ConfigException(e, "port " + embeddedPort + " is not in 1..65535");
                    }
                }
                case "embedded.dir" -> embeddedDir = value.isEmpty() ? null : value;
                case "backlog.max" -> backlogMax = positiveInt(e, value, "a number of writes, e.g. 100000");
                default -> {
                    if (rest.startsWith("hook.")) {
                        hookRules.add(rules.parse(e, rest.substring("hook.".length())));
                    } else {
                        int dot = rest.indexOf('.');
                        if (dot <= 0 || dot == rest.length() - 1) {
                            throw new ConfigException(e, "expected backend.redis.<pool>.<setting>, e.g. backend.redis.pool1.server");
                        }
                        String pool = rest.substring(0, dot);
                        if (RESERVED.contains(pool)) {
                            throw new ConfigException(e, "unknown key; backend settings are backend.redis.compat, "
                                    + "backend.redis.embedded, backend.redis.embedded.bind, backend.redis.embedded.port, "
                                    + "backend.redis.embedded.dir and backend.redis.backlog.max");
                        }
                        poolKeys.computeIfAbsent(pool, k -> new LinkedHashMap<>()).put(rest.substring(dot + 1), e);
                    }
                }
            }
        }
        EmbeddedRedisConfig embeddedRedis = new EmbeddedRedisConfig(embedded, embeddedBind, embeddedPort, embeddedDir);
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        poolKeys.forEach((name, keys) -> pools.put(name, pool(name, keys, embeddedRedis)));
        for (PoolConfig pc : pools.values()) {
            if (pc.embedded() && embeddedOff != null) {
                throw new ConfigException(poolKeys.get(pc.name()).get("server"), "backend.redis." + pc.name()
                        + ".server is embedded but " + embeddedOff.where() + " sets backend.redis.embedded = off; "
                        + "give the pool a host:port or turn the embedded Redis on");
            }
        }
        List<HookRule> resolved = new ArrayList<>();
        for (HookRule r : hookRules) {
            String pool = r.pool();
            if (pool == null) {
                if (pools.size() != 1) {
                    throw new ConfigException(r.source(), "the rule names no \"pool\"; add \"pool\": \"pool1\"");
                }
                pool = pools.keySet().iterator().next();
            }
            if (!pools.containsKey(pool)) {
                throw new ConfigException(r.source(), "unknown pool '" + pool + "'; configure backend.redis." + pool
                        + ".server or use one of " + pools.keySet());
            }
            resolved.add(new HookRule(r.hookPoint(), r.order(), r.topic(), r.action(), pool, r.expiredTime(),
                    r.startOldest(), r.source()));
        }
        resolved.sort(Comparator.comparingInt(HookRule::order));
        return new BackendConfig(pools, List.copyOf(resolved), compat, embeddedRedis, backlogMax);
    }

    private PoolConfig pool(String name, Map<String, ConfigEntry> keys, EmbeddedRedisConfig embeddedRedis) {
        PoolKeys pool = new PoolKeys(PREFIX + name + ".");
        boolean embedded = false;
        int poolSize = 8;
        String channel = "mqtt_channel";
        for (Map.Entry<String, ConfigEntry> kv : keys.entrySet()) {
            ConfigEntry e = kv.getValue();
            String v = e.value() == null ? "" : e.value().trim();
            switch (kv.getKey()) {
                case "server" -> {
                    embedded = v.equals(EMBEDDED);
                    if (embedded) {
                        pool.servers(List.of(embeddedRedis.address()));
                    } else {
                        pool.take("server", e);
                    }
                }
                case "pool_size" -> poolSize = positiveInt(e, v, "a number of connections, e.g. 8");
                case "channel" -> channel = v.isEmpty() ? null : v;
                default -> {
                    if (!pool.take(kv.getKey(), e)) {
                        throw new ConfigException(e, "unknown pool setting '" + kv.getKey() + "'; pools have server, type, "
                                + "sentinel, pool_size, database, username, password, channel, ssl, ssl.cacertfile, "
                                + "ssl.certfile, ssl.keyfile, ssl.verify");
                    }
                }
            }
        }
        if (embedded) {
            ConfigEntry where = keys.getOrDefault("type", keys.get("server"));
            if (pool.type() != PoolType.SINGLE) {
                throw new ConfigException(where, "the embedded Redis is a single server; set backend.redis." + name
                        + ".type = single or give the pool the " + pool.type().name().toLowerCase() + "'s addresses");
            }
            if (pool.hasCredentials()) {
                throw new ConfigException(keys.getOrDefault("password", keys.getOrDefault("username", keys.get("server"))),
                        "the embedded Redis's password is generated (kept in its data dir, see backend.redis.embedded.dir); "
                                + "remove username/password from pool " + name);
            }
            if (pool.ssl()) {
                throw new ConfigException(keys.get("ssl"), "the embedded Redis listens without TLS; remove ssl from pool " + name);
            }
        }
        return pool.build(name, poolSize, channel, embedded, keys);
    }

    private static boolean onOff(ConfigEntry e, String v) {
        return switch (v) {
            case "on", "true", "enable", "yes" -> true;
            case "off", "false", "disable", "no" -> false;
            default -> throw new ConfigException(e, "expected on or off");
        };
    }

    private static int positiveInt(ConfigEntry e, String v, String what) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(e, "expected a positive integer: " + what);
    }
}
