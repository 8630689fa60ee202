package io.perch.redis.config;

/**
 * Everything {@code persistence.*} says, validated against the pools.
 *
 * @param pool       the pool that holds sessions (null when {@code mode} is memory)
 * @param ackTimeout how long a WAIT / WAITAOF barrier waits ({@code persistence.ack_timeout})
 * @param linger     how long a session write may wait to be made moot ({@code persistence.linger})
 */
public record PersistenceConfig(Mode mode, String pool, AckMode ack, java.time.Duration ackTimeout,
                                java.time.Duration linger) {
    /** How long a replicas:N or fsync barrier waits before the writes count as not durable. */
    public static final java.time.Duration DEFAULT_ACK_TIMEOUT = java.time.Duration.ofSeconds(1);
    /**
     * How long a session write waits before it goes to Redis, so that a subscriber's quick
     * acknowledgement can make it moot (then nothing is written at all).
     */
    public static final java.time.Duration DEFAULT_LINGER = java.time.Duration.ofMillis(2);

    /** REDIS: sessions outlive the process in Redis; MEMORY: they live in this process only. */
    public enum Mode { REDIS, MEMORY }

    public static final PersistenceConfig MEMORY = new PersistenceConfig(Mode.MEMORY, null, AckMode.REDIS, DEFAULT_ACK_TIMEOUT,
            DEFAULT_LINGER);

    public boolean redis() {
        return mode == Mode.REDIS;
    }
}
