package io.perch.redis.function;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.perch.redis.client.ArgvCall;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.MessageHash;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Redis commands the built-in functions use, as {@link RedisCall}s on raw bytes. The
 * writes are {@link ArgvCall}s, so that the pipeline may run them inside one script.
 */
final class Calls {
    private Calls() {
    }

    /** Removes a topic from an index when its data key is gone; atomic, so a concurrent publish is not lost. */
    private static final String PRUNE_INDEX =
            "if redis.call('EXISTS', KEYS[2]) == 0 then return redis.call('ZREM', KEYS[1], ARGV[1]) end return 0";

    static RedisCall hset(byte[] key, Map<byte[], byte[]> fields) {
        List<byte[]> kv = new ArrayList<>(2 * fields.size());
        fields.forEach((f, v) -> {
            kv.add(f);
            kv.add(v);
        });
        return ArgvCall.of(r -> r.hset(key, fields), hsetArgv(key, kv));
    }

    /** HSET from field/value pairs; the map Lettuce wants is built only if the call goes as a plain command. */
    static RedisCall hset(byte[] key, List<byte[]> kv) {
        return ArgvCall.of(r -> r.hset(key, MessageHash.asMap(kv)), hsetArgv(key, kv));
    }

    private static Object[] hsetArgv(byte[] key, List<byte[]> kv) {
        Object[] argv = new Object[2 + kv.size()];
        argv[0] = "HSET";
        argv[1] = key;
        for (int i = 0; i < kv.size(); i++) {
            argv[2 + i] = kv.get(i);
        }
        return argv;
    }

    static RedisCall hdel(byte[] key, byte[] field) {
        return ArgvCall.of(r -> r.hdel(key, field), "HDEL", key, field);
    }

    static RedisCall hgetall(byte[] key) {
        return r -> r.hgetall(key);
    }

    static RedisCall expire(byte[] key, long seconds) {
        return ArgvCall.of(r -> r.expire(key, seconds), "EXPIRE", key, seconds);
    }

    static RedisCall del(byte[] key) {
        return ArgvCall.of(r -> r.del(key), "DEL", key);
    }

    static RedisCall set(byte[] key, byte[] value) {
        return ArgvCall.of(r -> r.set(key, value), "SET", key, value);
    }

    static RedisCall setIfAbsent(byte[] key, byte[] value) {
        return ArgvCall.of(r -> r.setnx(key, value), "SETNX", key, value);
    }

    static RedisCall get(byte[] key) {
        return r -> r.get(key);
    }

    static RedisCall type(byte[] key) {
        return r -> r.type(key);
    }

    static RedisCall zadd(byte[] key, double score, byte[] member) {
        return ArgvCall.of(r -> r.zadd(key, score, member), "ZADD", key, score, member);
    }

    /** ZADD of a new message id to a topic's time-ordered set (see {@link ArgvCall#appendToSet}). */
    static RedisCall appendToSet(byte[] key, double score, byte[] member) {
        return ArgvCall.appendToSet(r -> r.zadd(key, score, member), key, score, member);
    }

    static RedisCall zrem(byte[] key, byte[] member) {
        return ArgvCall.of(r -> r.zrem(key, member), "ZREM", key, member);
    }

    static RedisCall zrangeAllWithScores(byte[] key) {
        return r -> r.zrangeWithScores(key, 0, -1);
    }

    static RedisCall zrange(byte[] key, long start, long stop) {
        return r -> r.zrange(key, start, stop);
    }

    static RedisCall zrangeByScoreWithScores(byte[] key, double min, double max) {
        return r -> r.zrangebyscoreWithScores(key, Range.create(min, max));
    }

    /**
     * Drops members scored with a millisecond time before {@code cutoff}: expired members. Scores
     * below 10^11 are an old writer's constant and say nothing about age; those members go when
     * a read finds their hash gone.
     */
    static RedisCall zremBefore(byte[] key, double cutoff) {
        return ArgvCall.of(r -> r.zremrangebyscore(key, Range.from(Range.Boundary.including(1e11), Range.Boundary.excluding(cutoff))),
                "ZREMRANGEBYSCORE", key, 1e11, "(" + ArgvCall.score(cutoff));
    }

    static RedisCall zrangeByLex(byte[] key, byte[] from, byte[] to, long offset, long count) {
        Range<byte[]> range = from == null ? Range.unbounded()
                : Range.from(Range.Boundary.including(from), Range.Boundary.including(to));
        return r -> r.zrangebylex(key, range, Limit.create(offset, count));
    }

    /** Members after {@code after} (exclusive; null: from the first), at most {@code count}. */
    static RedisCall zrangeByLexAfter(byte[] key, byte[] after, long count) {
        Range<byte[]> range = after == null ? Range.unbounded()
                : Range.from(Range.Boundary.excluding(after), Range.Boundary.unbounded());
        return r -> r.zrangebylex(key, range, Limit.create(0, count));
    }

    /** Milliseconds the key has left: -1 when it has no TTL, -2 when it is gone. */
    static RedisCall pttl(byte[] key) {
        return r -> r.pttl(key);
    }

    static RedisCall pruneIndex(byte[] index, byte[] dataKey, byte[] member) {
        return r -> r.eval(PRUNE_INDEX, ScriptOutputType.INTEGER, new byte[][]{index, dataKey}, member);
    }

    static List<RedisCall> of(RedisCall... calls) {
        return List.of(calls);
    }
}
