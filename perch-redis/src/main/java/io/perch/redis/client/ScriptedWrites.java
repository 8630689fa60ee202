package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;

import java.nio.ByteBuffer;
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
    /**
     * ARGV holds each command as its argument count followed by its arguments; returns {n, error, ...} for failures,
     * and {n, {values}} for a command that reports something (a refusing PERCH.FENCE).
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
            // PERCH.FENCE owner epoch following: a newer owner's epoch skips one client's commands,
            // and the reply says so for this command: {its number, {skipped, node, epoch}}.
            "  elseif name == '" + PseudoCommands.FENCE + "' then",
            "    local e = redis.call('HMGET', ARGV[i + 2], 'epoch', 'node')",
            "    if tonumber(e[1] or '0') > tonumber(ARGV[i + 3]) then",
            "      local at, skip = c, tonumber(ARGV[i + 4])",
            "      for _ = 1, skip do after = after + tonumber(ARGV[after]) + 1; c = c + 1 end",
            "      errs[#errs + 1] = at",
            "      errs[#errs + 1] = {skip, e[2] or '', e[1]}",
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
    /** The argument counts most commands have, as the script reads them: made once. */
    private static final byte[][] COUNTS = new byte[64][];

    static {
        for (int i = 0; i < COUNTS.length; i++) {
            COUNTS[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static byte[] count(int n) {
        return n < COUNTS.length ? COUNTS[n] : Integer.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

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
        /** ARGV entries so far (each command's count, then its arguments). */
        private int argvSize;

        /**
         * One command of the script and the ops (indexes into {@code ops}) whose writes it
         * carries; {@code call}: its index among the first owner's calls. The argv is the call's
         * own array (never copied); only a ZADD that others join gets a list of their members.
         */
        static final class Command {
            private final byte[][] argv;
            private final int owner;
            private final int call;
            private List<byte[]> joined;
            private List<Integer> joinedOwners;

            private Command(byte[][] argv, int owner, int call) {
                this.argv = argv;
                this.owner = owner;
                this.call = call;
            }

            int call() {
                return call;
            }

            /** The ops whose writes this command carries, the first owner first. */
            List<Integer> owners() {
                if (joinedOwners == null) {
                    return List.of(owner);
                }
                List<Integer> all = new ArrayList<>(joinedOwners.size() + 1);
                all.add(owner);
                all.addAll(joinedOwners);
                return all;
            }

            private int argc() {
                return argv.length + (joined == null ? 0 : joined.size());
            }

            private void join(byte[] score, byte[] member, int by) {
                if (joined == null) {
                    joined = new ArrayList<>();
                    joinedOwners = new ArrayList<>();
                }
                joined.add(score);
                joined.add(member);
                joinedOwners.add(by);
            }
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
            // An op guarded by PERCH.ONCE or PERCH.FENCE skips its commands as runs: none may be folded elsewhere.
            boolean once = false;
            for (RedisCall c : op.calls) {
                once |= PseudoCommands.isOnce((ArgvCall) c) || PseudoCommands.isFence((ArgvCall) c);
            }
            for (int index = 0; index < op.calls.size(); index++) {
                ArgvCall call = (ArgvCall) op.calls.get(index);
                byte[][] argv = call.argv();
                for (byte[] a : argv) {
                    bytes += a.length;
                }
                boolean appends = call.appendsToSet() && !once;
                Command earlier = appends ? setAppends.get(ByteBuffer.wrap(argv[1])) : null;
                if (earlier != null) {
                    earlier.join(argv[2], argv[3], owner);
                    argvSize += 2;
                    continue;
                }
                Command cmd = new Command(argv, owner, index);
                commands.add(cmd);
                argvSize += 1 + argv.length;
                if (appends) {
                    setAppends.put(ByteBuffer.wrap(argv[1]), cmd);
                }
            }
        }

        RedisFuture<List<Object>> issue(RedisLink link) {
            byte[][] args = new byte[argvSize][];
            int at = 0;
            for (Command c : commands) {
                args[at++] = count(c.argc());
                System.arraycopy(c.argv, 0, args, at, c.argv.length);
                at += c.argv.length;
                if (c.joined != null) {
                    for (byte[] j : c.joined) {
                        args[at++] = j;
                    }
                }
            }
            return link.commands().eval(SCRIPT, ScriptOutputType.MULTI, NO_KEYS, args);
        }

        /** For each op (same order as {@code ops}), the errors of the commands that carried its writes. */
        List<List<String>> errorsByOp(List<Object> reply) {
            List<List<String>> byOp = new ArrayList<>(ops.size());
            for (int i = 0; i < ops.size(); i++) {
                byOp.add(List.of());
            }
            for (int i = 0; reply != null && i + 1 < reply.size(); i += 2) {
                Object msg = reply.get(i + 1);
                if (msg instanceof List<?>) {
                    continue; // a value (see values), not an error
                }
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
     * The values the script reported for commands of op {@code op} (a refusing PERCH.FENCE),
     * put at their call's place in {@code replies}, which holds nulls for the rest.
     */
    static void values(Chunk chunk, List<Object> reply, int op, List<Object> replies) {
        for (int i = 0; reply != null && i + 1 < reply.size(); i += 2) {
            if (reply.get(i + 1) instanceof List<?> value) {
                Chunk.Command c = chunk.commands.get(((Number) reply.get(i)).intValue() - 1);
                if (c.owner == op) {
                    replies.set(c.call(), value);
                }
            }
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
