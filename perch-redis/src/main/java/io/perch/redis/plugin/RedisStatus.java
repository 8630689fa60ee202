package io.perch.redis.plugin;

import io.perch.broker.status.BackendStatus;
import io.perch.redis.client.CommandPipeline;
import io.perch.redis.client.RedisOp;
import io.perch.redis.config.HookRule;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.function.PoolRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Redis backend's {@link BackendStatus}: each pool's state from its pipeline, the rules, and
 * the essentials of each server's {@code INFO}, which {@link #refreshInfo()} asks for on the
 * plugin's timer so that a status request never waits for Redis. While a pool is down its last
 * INFO stays, with the time it was read.
 *
 * <p>Threads: {@link #refreshInfo()} runs on the plugin's timer; each pool's INFO is stored by
 * that pool's pipeline worker (one writer per pool) as an immutable {@link Info}; any thread
 * calls {@link #snapshot()}.
 */
final class RedisStatus implements BackendStatus {
    private static final Logger log = LoggerFactory.getLogger(RedisStatus.class);
    /** The INFO fields the operator's page shows; the rest (and anything secret) is not kept. */
    static final Set<String> INFO_FIELDS = Set.of("redis_version", "redis_mode", "role", "connected_slaves",
            "used_memory", "maxmemory", "aof_enabled", "uptime_in_seconds", "connected_clients");
    static final String INFO_FUNCTION = "info";

    private record Info(Map<String, String> fields, long at) {
    }

    private final Map<String, PoolRuntime> pools;
    private final List<HookRule> rules;
    private final String sessionPool;
    private final Map<String, Info> infos = new ConcurrentHashMap<>();

    /** {@code pools} is the plugin's live map, read only here; {@code sessionPool} null when sessions stay in memory. */
    RedisStatus(Map<String, PoolRuntime> pools, List<HookRule> rules, String sessionPool) {
        this.pools = pools;
        this.rules = List.copyOf(rules);
        this.sessionPool = sessionPool;
    }

    /**
     * Asks every pool that is up and whose INFO is older than {@code maxAgeMillis} (or unknown);
     * a pool that is down keeps what it last said. Called often, so a pool that comes up is
     * described within a tick, not a whole {@code maxAgeMillis}.
     */
    void refreshInfo(long maxAgeMillis) {
        long now = System.currentTimeMillis();
        for (PoolRuntime pool : List.copyOf(pools.values())) {
            CommandPipeline p = pool.pipeline();
            String name = pool.config().name();
            Info known = infos.get(name);
            if (!p.isUp() || known != null && now - known.at() < maxAgeMillis) {
                continue;
            }
            p.submit(RedisOp.read(INFO_FUNCTION, List.of(r -> r.info()))).whenComplete((replies, e) -> {
                if (e != null) {
                    log.debug("Redis pool {}: INFO failed: {}", name, e.toString());
                } else if (!replies.isEmpty() && replies.get(0) != null) {
                    infos.put(name, new Info(parse(text(replies.get(0))), System.currentTimeMillis()));
                }
            });
        }
    }

    private static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    /** The {@link #INFO_FIELDS} of an INFO reply ("key:value" lines, "# Section" headers). */
    static Map<String, String> parse(String info) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                String key = line.substring(0, colon);
                if (INFO_FIELDS.contains(key)) {
                    out.put(key, line.substring(colon + 1).trim());
                }
            }
        }
        return Map.copyOf(out);
    }

    @Override
    public Snapshot snapshot() {
        List<Pool> out = new ArrayList<>();
        for (PoolRuntime pool : List.copyOf(pools.values())) {
            PoolConfig pc = pool.config();
            CommandPipeline p = pool.pipeline();
            Info info = infos.get(pc.name());
            out.add(new Pool(pc.name(), pc.embedded() ? "embedded" : pc.type().name().toLowerCase(java.util.Locale.ROOT),
                    pc.servers().stream().map(Object::toString).toList(), p.isUp(), p.since(), p.lastError(),
                    p.backlog(), p.maxBacklog(), p.lastReplay(), p.replayedTotal(), p.durability().toString(),
                    info == null ? Map.of() : info.fields(), info == null ? 0 : info.at()));
        }
        List<Rule> rs = rules.stream().map(r -> new Rule(io.perch.redis.function.HookBinder.ruleId(r), r.hookPoint(),
                r.label(), r.topic(), r.pool(), io.perch.redis.client.BackendMetrics.RULE_METER)).toList();
        return new Snapshot(out, rs, sessionPool);
    }
}
