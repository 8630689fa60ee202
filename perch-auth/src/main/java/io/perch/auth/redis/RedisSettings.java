package io.perch.auth.redis;

import io.perch.redis.config.PoolConfig;

import java.time.Duration;

/**
 * The redis source's validated {@code auth.redis.*} settings. {@code authCmd}, {@code superCmd}
 * and {@code aclCmd} are null when not set (then that part is off, as in EMQ X).
 */
record RedisSettings(PoolConfig pool, Duration queryTimeout, RedisCommand authCmd, PasswordHash hash,
                     RedisCommand superCmd, RedisCommand aclCmd) {
}
