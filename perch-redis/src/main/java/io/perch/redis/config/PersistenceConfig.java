package io.perch.redis.config;

/**
 * Everything {@code persistence.*} says, validated against the pools.
 *
 * @param pool the pool that holds sessions (null when {@code mode} is memory)
 */
public record PersistenceConfig(Mode mode, String pool, AckMode ack) {
    /** REDIS: sessions outlive the process in Redis; MEMORY: they live in this process only. */
    public enum Mode { REDIS, MEMORY }

    public static final PersistenceConfig MEMORY = new PersistenceConfig(Mode.MEMORY, null, AckMode.REDIS);

    public boolean redis() {
        return mode == Mode.REDIS;
    }
}
