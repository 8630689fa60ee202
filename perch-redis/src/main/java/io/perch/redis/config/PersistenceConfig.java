package io.perch.redis.config;

/**
 * Everything {@code persistence.*} says, validated against the pools.
 *
 * @param pool       the pool that holds sessions (null when {@code mode} is memory)
 * @param ackTimeout how long a WAIT / WAITAOF barrier waits ({@code persistence.ack_timeout})
 */
public record PersistenceConfig(Mode mode, String pool, AckMode ack, java.time.Duration ackTimeout) {
    /** How long a replicas:N or fsync barrier waits before the writes count as not durable. */
    public static final java.time.Duration DEFAULT_ACK_TIMEOUT = java.time.Duration.ofSeconds(1);

    /** REDIS: sessions outlive the process in Redis; MEMORY: they live in this process only. */
    public enum Mode { REDIS, MEMORY }

    public static final PersistenceConfig MEMORY = new PersistenceConfig(Mode.MEMORY, null, AckMode.REDIS, DEFAULT_ACK_TIMEOUT);

    public boolean redis() {
        return mode == Mode.REDIS;
    }
}
