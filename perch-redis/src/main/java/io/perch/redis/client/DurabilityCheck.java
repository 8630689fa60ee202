package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Whether the server behind a fresh connection can give the pool's {@link Durability}: run at
 * every (re)connect (a Sentinel failover may land on an older server), from {@code INFO}.
 * A refusal is a message for the operator naming {@code persistence.ack}, what the server
 * lacks and the fix. Used by the pipeline's worker thread only.
 */
final class DurabilityCheck {
    private static final Logger log = LoggerFactory.getLogger(DurabilityCheck.class);

    private DurabilityCheck() {
    }

    /** Why this pool cannot give {@code durability}, or null when it can (or INFO could not tell). */
    static String refusal(String pool, RedisLink link, Durability durability, long timeoutMillis) {
        if (!durability.needsBarrier()) {
            return null;
        }
        if (link.connection() instanceof StatefulRedisClusterConnection) {
            // WAIT and WAITAOF go to one node and speak only for the writes of that connection
            // to that node; a batch's writes go to many masters.
            return "persistence.ack = " + durability + " is not supported on cluster pool " + pool
                    + ": WAIT/WAITAOF would reach one node only, not the masters that hold the writes;"
                    + " use persistence.ack = redis for this pool";
        }
        String info;
        try {
            RedisFuture<String> f = link.commands().info();
            link.connection().flushCommands();
            info = f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            // INFO forbidden (an ACL) or lost: the barrier's own reply will tell at the first durable write.
            log.warn("Redis pool {}: INFO failed ({}); cannot check persistence.ack = {} before the first write",
                    pool, e.getCause() != null ? e.getCause().getMessage() : e.toString(), durability);
            return null;
        }
        if (durability.mode() == Durability.Mode.FSYNC) {
            String version = field(info, "redis_version");
            if (version != null && !atLeast(version, 7, 2)) {
                return "persistence.ack = fsync needs Redis 7.2 or newer (WAITAOF), but pool " + pool + " runs Redis "
                        + version + ": upgrade Redis, or set persistence.ack = replicas:N or redis";
            }
            if ("0".equals(field(info, "aof_enabled"))) {
                return "persistence.ack = fsync needs appendonly yes on pool " + pool
                        + "'s Redis (WAITAOF has no AOF to wait for): set appendonly yes, or set persistence.ack"
                        + " = replicas:N or redis";
            }
        } else {
            String replicas = field(info, "connected_slaves");
            if (replicas != null && Integer.parseInt(replicas) < durability.replicas()) {
                // Not a refusal: replicas may connect later; until then durable writes fail.
                log.warn("Redis pool {}: persistence.ack = {} but the master has {} replica(s) connected; durable "
                        + "writes fail until enough replicas are", pool, durability, replicas);
            }
        }
        return null;
    }

    /** A field of an INFO reply ({@code name:value} lines), or null. */
    static String field(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    /** {@code version} ("7.0.15") is at least major.minor; an unreadable version passes (WAITAOF will tell). */
    static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
