package io.perch.redis.config;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connection keys of a Redis pool wherever one is configured ({@code backend.redis.<pool>.*},
 * {@code auth.redis.*}): server, type, sentinel, database, username, password and the
 * {@code ssl.*} keys, read the same way with the same errors. The owner reads its own keys
 * (pool size, channel...) and hands the others to {@link #take}, then calls {@link #build}.
 * Used by the one thread that reads the configuration.
 */
public final class PoolKeys {
    private static final Logger log = LoggerFactory.getLogger(PoolKeys.class);
    /** EMQ X keys with no meaning here (Lettuce reconnects by itself; TLS versions, ciphers and SNI come from the JVM). */
    private static final Set<String> IGNORED = Set.of("auto_reconnect", "ssl.tls_versions", "ssl.ciphers",
            "ssl.server_name_indication", "ssl.reuse_sessions", "ssl.secure_renegotiate");

    private final String prefix;
    private List<HostPort> servers = List.of(new HostPort("127.0.0.1", 6379));
    private PoolType type = PoolType.SINGLE;
    private String sentinel;
    private int database;
    private String username;
    private String password;
    private boolean ssl;
    private boolean verify = true;
    private String ca;
    private String cert;
    private String key;

    /** Whether an EMQ X key means nothing here: {@link #take} accepts it with a log line. */
    public static boolean ignored(String key) {
        return IGNORED.contains(key);
    }

    /** @param prefix what the keys start with, for messages: {@code backend.redis.pool1.} or {@code auth.redis.} */
    public PoolKeys(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Reads {@code e} when {@code key} (without the prefix) is a connection key, or an EMQ X key
     * that means nothing here (logged); false for a key of the owner's.
     */
    public boolean take(String key, ConfigEntry e) {
        String v = e.value() == null ? "" : e.value().trim();
        switch (key) {
            case "server" -> servers = servers(e, v);
            case "type" -> type = switch (v) {
                case "single" -> PoolType.SINGLE;
                case "sentinel" -> PoolType.SENTINEL;
                case "cluster" -> PoolType.CLUSTER;
                default -> throw new ConfigException(e, "expected single, sentinel or cluster");
            };
            case "sentinel" -> sentinel = v.isEmpty() ? null : v;
            case "database" -> database = database(e, v);
            case "username" -> username = v.isEmpty() ? null : v;
            case "password" -> password = v.isEmpty() ? null : v;
            case "ssl" -> ssl = switch (v) {
                case "on", "true", "enable", "yes" -> true;
                case "off", "false", "disable", "no", "" -> false;
                default -> throw new ConfigException(e, "expected on or off");
            };
            case "ssl.cacertfile" -> ca = v.isEmpty() ? null : v;
            case "ssl.certfile" -> cert = v.isEmpty() ? null : v;
            case "ssl.keyfile" -> this.key = v.isEmpty() ? null : v;
            case "ssl.verify" -> verify = switch (v) {
                case "verify_peer", "on", "true" -> true;
                case "verify_none", "off", "false" -> false;
                default -> throw new ConfigException(e, "expected verify_peer or verify_none");
            };
            default -> {
                if (!IGNORED.contains(key)) {
                    return false;
                }
                log.info("{}: {} is accepted for EMQ X compatibility and has no effect", e.where(), e.key());
            }
        }
        return true;
    }

    /** Replaces the addresses (the embedded Redis's, for a pool whose server is {@code embedded}). */
    public void servers(List<HostPort> addresses) {
        servers = List.copyOf(addresses);
    }

    public PoolType type() {
        return type;
    }

    public boolean hasCredentials() {
        return password != null || username != null;
    }

    public boolean ssl() {
        return ssl;
    }

    /**
     * The pool, after the checks every pool needs (a sentinel master name for sentinel, one
     * address for single, TLS certificate and key together).
     *
     * @param keys the pool's entries by key without the prefix, to name the line of an error
     */
    public PoolConfig build(String name, int poolSize, String channel, boolean embedded, Map<String, ConfigEntry> keys) {
        ConfigEntry where = keys.getOrDefault("type", keys.getOrDefault("server", keys.values().iterator().next()));
        if (type == PoolType.SENTINEL && sentinel == null) {
            throw new ConfigException(where, "type sentinel needs " + prefix + "sentinel = <master name>, e.g. mymaster");
        }
        if (type == PoolType.SINGLE && servers.size() > 1) {
            throw new ConfigException(keys.getOrDefault("server", where), "type single takes one host:port; "
                    + "for several set " + prefix + "type = sentinel or cluster");
        }
        if ((cert == null) != (key == null)) {
            throw new ConfigException(keys.getOrDefault("ssl.certfile", keys.getOrDefault("ssl.keyfile", where)),
                    "ssl.certfile and ssl.keyfile go together");
        }
        return new PoolConfig(name, type, servers, sentinel, poolSize, database, username, password, channel,
                ssl ? new TlsConfig(true, ca, cert, key, verify) : TlsConfig.OFF, embedded);
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

    private static int database(ConfigEntry e, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(e, "expected a database index 0, 1, 2...");
    }
}
