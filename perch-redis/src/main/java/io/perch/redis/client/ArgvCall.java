package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.nio.charset.StandardCharsets;

/**
 * A built-in write both as a Lettuce call and as its command line ({@code argv}: name, key,
 * arguments), so that the pipeline can run a run of such writes inside one script call
 * ({@link ScriptedWrites}) instead of one Lettuce command each. Only idempotent writes whose
 * reply nobody reads are made this way; user-written commands and reads stay plain calls.
 */
public final class ArgvCall implements RedisCall {
    private final RedisCall direct;
    private final byte[][] argv;
    private final boolean appendsToSet;
    private final boolean foldable;

    private ArgvCall(RedisCall direct, byte[][] argv, boolean appendsToSet) {
        this(direct, argv, appendsToSet, false);
    }

    private ArgvCall(RedisCall direct, byte[][] argv, boolean appendsToSet, boolean foldable) {
        this.direct = direct;
        this.argv = argv;
        this.appendsToSet = appendsToSet;
        this.foldable = foldable;
    }

    /** {@code parts}: the command name, then each argument as byte[], String or a number. */
    public static ArgvCall of(RedisCall direct, Object... parts) {
        return new ArgvCall(direct, argv(parts), false);
    }

    /**
     * {@code ZADD key score member} of a member never added before (a new message id) to a
     * time-ordered set: a script may fold it into an earlier ZADD to the same key in the same
     * call, since adding it sooner changes nothing any command in between does.
     */
    public static ArgvCall appendToSet(RedisCall direct, byte[] key, double score, byte[] member) {
        return new ArgvCall(direct, argv(new Object[]{"ZADD", key, score, member}), true);
    }

    /**
     * {@code HSET key field value}, {@code HDEL key field}, {@code PERCH.SETHEAD key field head}
     * or {@code PERCH.UNREF key}, whose reply nobody reads: a write may fold a run of them on one
     * key into one command ({@link WriteFolds}).
     */
    public static ArgvCall foldable(RedisCall direct, Object... parts) {
        byte[][] argv = argv(parts);
        String name = new String(argv[0], StandardCharsets.US_ASCII);
        boolean pair = name.equals("HSET") || name.equals(PseudoCommands.SET_HEAD);
        boolean ok = pair ? argv.length == 4
                : name.equals("HDEL") ? argv.length == 3
                : name.equals(PseudoCommands.UNREF) && argv.length == 2;
        if (!ok) {
            throw new IllegalArgumentException("not a one-field HSET, HDEL or SETHEAD, nor an UNREF: " + name
                    + " with " + argv.length + " parts");
        }
        return new ArgvCall(direct, argv, false, true);
    }

    /** A call {@link WriteFolds} folded from one-field calls: as any other from then on. */
    static ArgvCall folded(RedisCall direct, byte[][] argv) {
        return new ArgvCall(direct, argv, false, false);
    }

    private static byte[][] argv(Object[] parts) {
        byte[][] argv = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            argv[i] = bytes(parts[i]);
        }
        return argv;
    }

    boolean appendsToSet() {
        return appendsToSet;
    }

    /** Made by {@link #foldable}. */
    boolean isFoldable() {
        return foldable;
    }

    private static byte[] bytes(Object part) {
        if (part instanceof byte[] b) {
            return b;
        }
        if (part instanceof Double d) {
            return score(d).getBytes(StandardCharsets.US_ASCII);
        }
        return String.valueOf(part).getBytes(StandardCharsets.UTF_8);
    }

    /** A score as Redis reads it; millisecond times as integers, as redis-cli would show them. */
    public static String score(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    public byte[][] argv() {
        return argv;
    }

    @Override
    public RedisFuture<?> issue(RedisClusterAsyncCommands<byte[], byte[]> redis) {
        return direct.issue(redis);
    }
}
