package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
    /**
     * ARGV holds each command as its argument count followed by its arguments; returns {n, error, ...} for failures.
     * A command named like a {@link PseudoCommands} entry runs that Lua function, its errors caught as pcall would.
     */
    static final String SCRIPT = PseudoCommands.definitions() + String.join("\n",
            "local errs, c, i, n = {}, 0, 1, #ARGV",
            "while i <= n do",
            "  local argc = tonumber(ARGV[i])",
            "  local name = ARGV[i + 1]",
            "  c = c + 1",
            "  local p, r, after = pseudo[name], nil, i + argc + 1",
            // PERCH.ONCE marker seq following ttl: a write seen before (replayed after a lost
            // reply) skips its commands; otherwise the marker takes its number.
            "  if name == '" + PseudoCommands.ONCE + "' then",
            "    local last = tonumber(redis.call('GET', ARGV[i + 2]) or '-1')",
            "    if last >= tonumber(ARGV[i + 3]) then",
            "      for _ = 1, tonumber(ARGV[i + 4]) do after = after + tonumber(ARGV[after]) + 1; c = c + 1 end",
            "    else",
            "      redis.call('SET', ARGV[i + 2], ARGV[i + 3], 'PX', ARGV[i + 5])",
            "    end",
            "  elseif p then",
            "    local ok, res = pcall(p, unpack(ARGV, i + 2, i + argc))",
            "    if ok then r = res elseif type(res) == 'table' and res.err then r = res else r = {err = tostring(res)} end",
            "  else",
            "    r = redis.pcall(unpack(ARGV, i + 1, i + argc))",
            "  end",
            "  if type(r) == 'table' and r.err then",
            "    errs[#errs + 1] = c",
            "    errs[#errs + 1] = r.err",
            "  end",
            "  i = after",
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

    /**
     * The ops of one script call and the commands they make; a ZADD that appends to a set
     * ({@link ArgvCall#appendToSet}) joins an earlier ZADD to that key, so a stream of messages
     * on one topic costs one ZADD per script rather than one per message.
     */
    static final class Chunk {
        final List<RedisOp> ops = new ArrayList<>();
        private final List<Command> commands = new ArrayList<>();
        private final Map<ByteBuffer, Command> setAppends = new HashMap<>();
        private int bytes;

        /** One command of the script and the ops (indexes into {@code ops}) whose writes it carries. */
        private record Command(List<byte[]> argv, List<Integer> owners) {
        }

        boolean full() {
            return ops.size() >= MAX_OPS || bytes >= MAX_BYTES;
        }

        boolean isEmpty() {
            return ops.isEmpty();
        }

        void add(RedisOp op) {
            int owner = ops.size();
            ops.add(op);
            // An op guarded by PERCH.ONCE skips its commands as one run: none may be folded elsewhere.
            boolean once = PseudoCommands.isOnce((ArgvCall) op.calls.get(0));
            for (RedisCall c : op.calls) {
                ArgvCall call = (ArgvCall) c;
                byte[][] argv = call.argv();
                for (byte[] a : argv) {
                    bytes += a.length;
                }
                boolean appends = call.appendsToSet() && !once;
                Command earlier = appends ? setAppends.get(ByteBuffer.wrap(argv[1])) : null;
                if (earlier != null) {
                    earlier.argv().add(argv[2]);
                    earlier.argv().add(argv[3]);
                    earlier.owners().add(owner);
                    continue;
                }
                Command cmd = new Command(new ArrayList<>(Arrays.asList(argv)), new ArrayList<>(List.of(owner)));
                commands.add(cmd);
                if (appends) {
                    setAppends.put(ByteBuffer.wrap(argv[1]), cmd);
                }
            }
        }

        RedisFuture<List<Object>> issue(RedisLink link) {
            List<byte[]> args = new ArrayList<>(commands.size() * 8);
            for (Command c : commands) {
                args.add(Integer.toString(c.argv().size()).getBytes(StandardCharsets.US_ASCII));
                args.addAll(c.argv());
            }
            return link.commands().eval(SCRIPT, ScriptOutputType.MULTI, NO_KEYS, args.toArray(byte[][]::new));
        }

        /** For each op (same order as {@code ops}), the errors of the commands that carried its writes. */
        List<List<String>> errorsByOp(List<Object> reply) {
            List<List<String>> byOp = new ArrayList<>(ops.size());
            for (int i = 0; i < ops.size(); i++) {
                byOp.add(List.of());
            }
            for (int i = 0; reply != null && i + 1 < reply.size(); i += 2) {
                Object msg = reply.get(i + 1);
                String text = msg instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(msg);
                for (int owner : commands.get(((Number) reply.get(i)).intValue() - 1).owners()) {
                    List<String> errs = new ArrayList<>(byOp.get(owner));
                    errs.add(text);
                    byOp.set(owner, errs);
                }
            }
            return byOp;
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
