package io.perch.redis.client;

/**
 * A durable write ({@link RedisOp#durableWrite}) reached the master, but the barrier of the
 * pool's {@link Durability} did not confirm it (too few replicas, no fsync within the timeout,
 * or a Redis that cannot give that barrier): the broker must not acknowledge it as durable.
 * The write itself is not undone.
 */
public final class NotDurableException extends RuntimeException {
    public NotDurableException(String message) {
        super(message, null, false, false);
    }
}
