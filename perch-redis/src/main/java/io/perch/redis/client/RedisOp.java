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
    final List<RedisCall> calls;
    final CompletableFuture<List<Object>> result = new CompletableFuture<>();

    private RedisOp(String function, boolean write, List<RedisCall> calls) {
        this.function = function;
        this.write = write;
        this.calls = List.copyOf(calls);
    }

    public static RedisOp write(String function, List<RedisCall> calls) {
        return new RedisOp(function, true, calls);
    }

    public static RedisOp read(String function, List<RedisCall> calls) {
        return new RedisOp(function, false, calls);
    }

    public String function() {
        return function;
    }

    public boolean isWrite() {
        return write;
    }

    public CompletableFuture<List<Object>> result() {
        return result;
    }
}
