package io.perch.redis.config;

import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Reads the {@code cluster.*} keys. A bad value or an unknown key stops start-up naming the file,
 * line and key (through {@link ConfigException}); no cluster key holds a secret, so values may
 * appear in messages. Stateless; runs on the thread that configures the plugin.
 */
public final class ClusterConfigParser {
    public static final String PREFIX = "cluster.";

    private ClusterConfigParser() {
    }

    public static ClusterConfig parse(List<ConfigEntry> entries) {
        boolean enabled = false;
        String pool = ClusterConfig.DEFAULT_POOL;
        Duration nodeTimeout = ClusterConfig.DEFAULT_NODE_TIMEOUT;
        Duration heartbeat = ClusterConfig.DEFAULT_HEARTBEAT_INTERVAL;
        long inboxMaxLen = ClusterConfig.DEFAULT_INBOX_MAX_LEN;
        Duration takeover = ClusterConfig.DEFAULT_TAKEOVER_TIMEOUT;
        Duration rpc = ClusterConfig.DEFAULT_RPC_TIMEOUT;
        // Kept to name the right line when the two times disagree.
        ConfigEntry timeoutLine = null;
        ConfigEntry heartbeatLine = null;
        for (ConfigEntry e : entries) {
            if (!e.key().startsWith(PREFIX)) {
                throw new ConfigException(e, "not a cluster key");
            }
            String v = value(e);
            switch (e.key().substring(PREFIX.length())) {
                case "enable" -> enabled = onOff(e, v);
                case "pool" -> {
                    if (v.isEmpty() || !v.matches("[A-Za-z0-9_-]+")) {
                        throw new ConfigException(e, "expected a pool name such as pool1 (a backend.redis.<pool> of this file)");
                    }
                    pool = v;
                }
                case "node_timeout" -> {
                    nodeTimeout = positive(e);
                    timeoutLine = e;
                }
                case "heartbeat_interval" -> {
                    heartbeat = positive(e);
                    heartbeatLine = e;
                }
                case "inbox.max_len" -> inboxMaxLen = positiveLong(e, v);
                case "takeover_timeout" -> takeover = positive(e);
                case "rpc_timeout" -> rpc = positive(e);
                default -> throw new ConfigException(e, "unknown key; cluster settings are cluster.enable, cluster.pool, "
                        + "cluster.node_timeout, cluster.heartbeat_interval, cluster.inbox.max_len, "
                        + "cluster.takeover_timeout and cluster.rpc_timeout");
            }
        }
        // Three missed heartbeats must not make a live node dead: a GC pause or a slow Redis
        // reply would otherwise get its sessions taken over.
        if (heartbeat.multipliedBy(3).compareTo(nodeTimeout) >= 0) {
            ConfigEntry blame = heartbeatLine != null ? heartbeatLine : timeoutLine;
            throw new ConfigException(blame, "cluster.heartbeat_interval (" + heartbeat.toMillis()
                    + " ms) must be less than a third of cluster.node_timeout (" + nodeTimeout.toMillis()
                    + " ms), so that a node missing a heartbeat or two is not taken for dead");
        }
        return new ClusterConfig(enabled, pool, nodeTimeout, heartbeat, inboxMaxLen, takeover, rpc);
    }

    private static String value(ConfigEntry e) {
        return e.value() == null ? "" : e.value().trim();
    }

    private static boolean onOff(ConfigEntry e, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true", "enable", "yes" -> true;
            case "off", "false", "disable", "no" -> false;
            default -> throw new ConfigException(e, "expected on or off");
        };
    }

    private static Duration positive(ConfigEntry e) {
        Duration d = ConfigDurations.parse(e);
        if (d.toMillis() < 1) {
            throw new ConfigException(e, "expected a time of at least 1 ms, e.g. 500ms or 15s");
        }
        return d;
    }

    private static long positiveLong(ConfigEntry e, String v) {
        try {
            long n = Long.parseLong(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(e, "expected a whole number of at least 1");
    }
}
