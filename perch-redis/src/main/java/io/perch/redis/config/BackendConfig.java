package io.perch.redis.config;

import io.perch.redis.codec.Compat;

import java.util.List;
import java.util.Map;

/**
 * Everything {@code backend.redis.*} says, validated.
 *
 * @param embeddedRedis the redis-server Perch runs for pools whose server is {@code embedded}
 * @param backlogMax    writes kept for replay per pool while Redis is unreachable
 */
public record BackendConfig(Map<String, PoolConfig> pools, List<HookRule> rules, Compat compat,
                            EmbeddedRedisConfig embeddedRedis, int backlogMax) {
    public static final int DEFAULT_BACKLOG_MAX = 100_000;

    /** {@code backend.redis.embedded = on} (the default): pools may say {@code server = embedded}. */
    public boolean embedded() {
        return embeddedRedis.enabled();
    }

    /** True when some pool's server is {@code embedded}, so Perch runs its own redis-server. */
    public boolean runsEmbedded() {
        return pools.values().stream().anyMatch(PoolConfig::embedded);
    }
}
