package io.perch.redis.config;

/**
 * {@code persistence.ack}: when a session write counts as durable. {@code REDIS}: Redis replied;
 * {@code REPLICAS}: and {@code replicas} replicas have it (WAIT); {@code FSYNC}: and it is in the
 * AOF on disk (WAITAOF); {@code NONE}: once queued for Redis. The barriers of REPLICAS and FSYNC
 * belong to the pipeline; the session store completes on Redis's reply for all but NONE.
 */
public record AckMode(Kind kind, int replicas) {
    public enum Kind { REDIS, REPLICAS, FSYNC, NONE }

    public static final AckMode REDIS = new AckMode(Kind.REDIS, 0);
    public static final AckMode FSYNC = new AckMode(Kind.FSYNC, 0);
    public static final AckMode NONE = new AckMode(Kind.NONE, 0);

    public static AckMode replicas(int n) {
        return new AckMode(Kind.REPLICAS, n);
    }

    @Override
    public String toString() {
        return kind == Kind.REPLICAS ? "replicas:" + replicas : kind.name().toLowerCase();
    }
}
