package io.perch.redis.client;

import java.time.Duration;
import java.util.Objects;

/**
 * What a durable write ({@link RedisOp#durableWrite}) waits for before its result completes:
 * Redis's reply ({@link #REPLY}, what every write gets anyway), {@code WAIT n timeout} saying
 * that {@code n} replicas have it ({@link #replicas}), or {@code WAITAOF 1 0 timeout} saying
 * that the master's AOF has fsynced it ({@link #fsync}, Redis 7.2 or newer). Immutable, so
 * any thread may hold and read it.
 */
public final class Durability {
    public enum Mode { REPLY, REPLICAS, FSYNC }

    /** Redis replied: the write is in the master's memory. */
    public static final Durability REPLY = new Durability(Mode.REPLY, 0, Duration.ZERO);

    private final Mode mode;
    private final int replicas;
    private final Duration timeout;

    private Durability(Mode mode, int replicas, Duration timeout) {
        this.mode = mode;
        this.replicas = replicas;
        this.timeout = timeout;
    }

    /**
     * {@code WAIT n timeout} after each batch with durable writes. The timeout must be positive:
     * Redis reads {@code WAIT n 0} as "block forever", which would stall the pool's only connection.
     */
    public static Durability replicas(int n, Duration timeout) {
        if (n < 1) {
            throw new IllegalArgumentException("replicas must be at least 1, not " + n);
        }
        return new Durability(Mode.REPLICAS, n, positive(timeout));
    }

    /** {@code WAITAOF 1 0 timeout} after each batch with durable writes (Redis 7.2 or newer). */
    public static Durability fsync(Duration timeout) {
        return new Durability(Mode.FSYNC, 0, positive(timeout));
    }

    private static Duration positive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("the durability timeout must be at least 1 ms, not " + timeout);
        }
        return timeout;
    }

    public Mode mode() {
        return mode;
    }

    /** Replicas that must acknowledge; 0 unless {@link Mode#REPLICAS}. */
    public int replicas() {
        return replicas;
    }

    /** How long Redis waits for the replicas or the fsync; {@link Duration#ZERO} for {@link #REPLY}. */
    public Duration timeout() {
        return timeout;
    }

    /** True when durable writes wait for more than Redis's reply. */
    public boolean needsBarrier() {
        return mode != Mode.REPLY;
    }

    /** As {@code persistence.ack} spells it, for log lines and messages. */
    @Override
    public String toString() {
        switch (mode) {
            case REPLICAS:
                return "replicas:" + replicas;
            case FSYNC:
                return "fsync";
            default:
                return "redis";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Durability d && d.mode == mode && d.replicas == replicas && d.timeout.equals(timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, replicas, timeout);
    }
}
