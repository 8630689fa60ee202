package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a run of built-in writes ({@link ArgvCall}s) as one {@code EVAL}: the commands, in
 * order, with {@code redis.pcall}, so one failing command is reported and the rest still run,
 * exactly as in a pipeline. Why: Lettuce spends several microseconds per command (a future,
 * a write task, listeners, an encoder pass), which made the client, not Redis, the limit of
 * persisting every publish; one script per few hundred messages costs Redis about a quarter
 * more CPU per command than plain pipelining and the client almost nothing (see the note in
 * docs/redis-backend.md). Only single and Sentinel pools use it: in a cluster the keys of a
 * run live on different nodes.
 */
final class ScriptedWrites {
    /** ARGV holds each command as its argument count followed by its arguments; returns {n, error, ...} for failures. */
    static final String SCRIPT = String.join("\n",
            "local errs, c, i, n = {}, 0, 1, #ARGV",
            "while i <= n do",
            "  local argc = tonumber(ARGV[i])",
            "  c = c + 1",
            "  local r = redis.pcall(unpack(ARGV, i + 1, i + argc))",
            "  if type(r) == 'table' and r.err then",
            "    errs[#errs + 1] = c",
            "    errs[#errs + 1] = r.err",
            "  end",
            "  i = i + argc + 1",
            "end",
            "return errs");
    /** A script blocks Redis while it runs: a few milliseconds at most. */
    static final int MAX_OPS = 256;
    static final int MAX_BYTES = 512 * 1024;
    private static final byte[][] NO_KEYS = new byte[0][];

    private ScriptedWrites() {
    }

    /** A write whose every command is an {@link ArgvCall}. */
    static boolean scriptable(RedisOp op) {
        if (!op.write || op.calls.isEmpty()) {
            return false;
        }
        for (RedisCall c : op.calls) {
            if (!(c instanceof ArgvCall)) {
                return false;
            }
        }
        return true;
    }

    /** The ops of one script call; {@code first[i]} is the 1-based number of op i's first command. */
    static final class Chunk {
        final List<RedisOp> ops = new ArrayList<>();
        final List<Integer> first = new ArrayList<>();
        private final List<byte[]> args = new ArrayList<>();
        private int commands;
        private int bytes;

        boolean full() {
            return ops.size() >= MAX_OPS || bytes >= MAX_BYTES;
        }

        boolean isEmpty() {
            return ops.isEmpty();
        }

        void add(RedisOp op) {
            ops.add(op);
            first.add(commands + 1);
            for (RedisCall c : op.calls) {
                byte[][] argv = ((ArgvCall) c).argv();
                args.add(Integer.toString(argv.length).getBytes(StandardCharsets.US_ASCII));
                for (byte[] a : argv) {
                    args.add(a);
                    bytes += a.length;
                }
                commands++;
            }
        }

        RedisFuture<List<Object>> issue(RedisLink link) {
            return link.commands().eval(SCRIPT, ScriptOutputType.MULTI, NO_KEYS, args.toArray(byte[][]::new));
        }

        /** Command number -> error text, from the script's reply. */
        static Map<Integer, String> errors(List<Object> reply) {
            Map<Integer, String> errors = new HashMap<>();
            for (int i = 0; reply != null && i + 1 < reply.size(); i += 2) {
                Object msg = reply.get(i + 1);
                errors.put(((Number) reply.get(i)).intValue(),
                        msg instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(msg));
            }
            return errors;
        }
    }

    /**
     * True when this connection may run scripts: a managed Redis or an ACL can forbid EVAL, and
     * then every write goes as a plain command instead.
     */
    static boolean supported(RedisLink link, long timeoutMillis) {
        if (!link.scripts()) {
            return false;
        }
        try {
            RedisFuture<Long> f = link.commands().eval("return 1", ScriptOutputType.INTEGER, NO_KEYS);
            link.connection().flushCommands();
            return Long.valueOf(1).equals(f.get(timeoutMillis, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
