package io.perch.redis.config;

import io.perch.redis.codec.Compat;

import java.util.List;
import java.util.Map;

/**
 * Everything {@code backend.redis.*} says, validated.
 *
 * @param embedded   start a bundled redis-server for a loopback pool where nothing answers
 * @param backlogMax writes kept for replay per pool while Redis is unreachable
 */
public record BackendConfig(Map<String, PoolConfig> pools, List<HookRule> rules, Compat compat, boolean embedded,
                            int backlogMax) {
    public static final int DEFAULT_BACKLOG_MAX = 100_000;
}
