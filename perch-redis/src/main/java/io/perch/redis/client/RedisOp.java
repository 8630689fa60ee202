package io.perch.redis.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The commands of one function run, sent together and in order. A write is kept for replay
 * while Redis is unreachable; a read fails at once instead, because an answer that comes
 * minutes later is of no use to a subscriber. {@code result} completes with each command's
 * reply, in order.
 */
public final class RedisOp {
    final String function;
    final boolean write;
    /** Completes only after the pool's durability barrier (WAIT / WAITAOF) confirmed it. */
    final boolean durable;
    final List<RedisCall> calls;
    /** The hook rule this op runs for ({@code <hook point>.<n>}), counted per rule too; null for none. */
    String rule;
    final CompletableFuture<List<Object>> result = new CompletableFuture<>();
    /** Its place in its pipeline's queue order, for {@link CompletionOrder}; -1 until queued. Set under the pipeline's lock. */
    long seq = -1;

    private RedisOp(String function, boolean write, boolean durable, List<RedisCall> calls) {
        this.function = function;
        this.write = write;
        this.durable = durable;
        this.calls = List.copyOf(calls);
    }

    public static RedisOp write(String function, List<RedisCall> calls) {
        return new RedisOp(function, true, false, calls);
    }

    /**
     * A write whose result completes only once the pool's {@link Durability} is met: after
     * the batch it went in, the pipeline sends {@code WAIT} or {@code WAITAOF} and fails this
     * op with {@link NotDurableException} when the reply falls short. With
     * {@link Durability#REPLY} it is a plain {@link #write}.
     */
    public static RedisOp durableWrite(String function, List<RedisCall> calls) {
        return new RedisOp(function, true, true, calls);
    }

    public static RedisOp read(String function, List<RedisCall> calls) {
        return new RedisOp(function, false, false, calls);
    }

    /** Names the hook rule this op runs for (before it is submitted); returns this op. */
    public RedisOp forRule(String rule) {
        this.rule = rule;
        return this;
    }

    public String function() {
        return function;
    }

    public boolean isWrite() {
        return write;
    }

    public boolean isDurable() {
        return durable;
    }

    public CompletableFuture<List<Object>> result() {
        return result;
    }
}
