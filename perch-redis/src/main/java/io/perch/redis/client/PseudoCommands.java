package io.perch.redis.client;

import io.lettuce.core.ScriptOutputType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes Redis has no single command for, named like commands ({@code PERCH.UNREF key}) so that
 * they travel as {@link ArgvCall}s: inside the pipeline's script ({@link ScriptedWrites#SCRIPT}
 * looks the name up in {@link #LUA}) they cost nothing extra; as a plain command (Cluster, or a
 * connection that may not run the batch script) each is an {@code EVAL} of a one-key script,
 * so it stays legal on Cluster. Each is a Lua function of its key and arguments; the same
 * source serves both ways, so they cannot drift apart. Stateless; any thread.
 */
public final class PseudoCommands {
    public static final String UNREF = "PERCH.UNREF";
    public static final String SET_HEAD = "PERCH.SETHEAD";
    /**
     * {@code PERCH.ONCE marker seq following ttlMillis}, first in a write: the batch script skips
     * the {@code following} commands when {@code marker} already holds {@code seq} or more, else
     * sets it to {@code seq}. A writer that numbers its writes in the order it submits them (one
     * connection applies them in that order) thus has a write that Redis applied, and that the
     * pipeline replays because the reply was lost, applied once. Handled by the script itself
     * ({@link ScriptedWrites#SCRIPT}); sent alone it only sets the marker (no script, no skip).
     */
    public static final String ONCE = "PERCH.ONCE";
    /** See {@link #drop}. */
    public static final String DROP = "PERCH.DROP";
    /** See {@link #putRef}. */
    public static final String PUT_REF = "PERCH.PUTREF";
    /**
     * {@code PERCH.FLOOR key value}: {@code key} becomes {@code value} when that is greater than
     * what it holds (a whole number below 2^53, which Lua's numbers hold exactly).
     */
    public static final String FLOOR = "PERCH.FLOOR";
    /**
     * {@code PERCH.FENCE ownerKey epoch following}, before one client's writes: the batch script
     * skips the {@code following} commands when the owner hash's {@code epoch} field is greater
     * than {@code epoch} (another node claimed the client since this one did) and reports
     * {@code {skipped, owner node, owner epoch}} for that command in its reply (see
     * {@link ScriptedWrites#SCRIPT}); the reply of a current writer is nothing. Sent alone (a
     * Cluster pool, or one that may not run the batch script) it is a one-key {@code EVAL} that
     * replies {@code {0, node, epoch}} when the writer is stale and an empty list when current:
     * the fence is then checked, but not atomically with the writes, which the pipeline sends
     * anyway. A Redis Cluster pool uses {@link #fencedRun} instead.
     */
    public static final String FENCE = "PERCH.FENCE";
    /** Lua of the fence's test, shared by both forms: {@code e} is HMGET owner epoch node. */
    private static final String FENCE_DIRECT = String.join("\n",
            "local e = redis.call('HMGET', KEYS[1], 'epoch', 'node')",
            "if tonumber(e[1] or '0') > tonumber(ARGV[1]) then return {0, e[2] or '', e[1]} end",
            "return {}");

    /** Name -> Lua function (key, args...). */
    static final Map<String, String> LUA = new LinkedHashMap<>();

    static {
        // A shared body loses one reference (or count, when WriteFolds folded a run of them); the
        // last one deletes it. A missing body stays missing.
        LUA.put(UNREF, String.join("\n",
                "function(k, count)",
                "  local n = redis.call('HINCRBY', k, 'refs', -(tonumber(count) or 1))",
                "  if n <= 0 then redis.call('DEL', k) end",
                "  return n",
                "end"));
        // Deletes k (a hash whose values name message bodies) and the other keys, and releases one
        // reference of each body named (prefix .. the match of pattern in a value), in the same
        // script: for the batch script only, where every key may be touched (single, Sentinel).
        LUA.put(DROP, String.join("\n",
                "function(k, pattern, prefix, ...)",
                "  for _, v in ipairs(redis.call('HVALS', k)) do",
                "    local id = string.match(v, pattern)",
                "    if id then pseudo['" + UNREF + "'](prefix .. id) end",
                "  end",
                "  redis.call('DEL', k, ...)",
                "  return 0",
                "end"));
        // A queue entry written again under its seq: HSET answers 1 only for a new field, and
        // only then does the body get the entry's reference (the first write may have been lost).
        LUA.put(PUT_REF, String.join("\n",
                "function(k, field, value, body)",
                "  if redis.call('HSET', k, field, value) == 1 then redis.call('HINCRBY', body, 'refs', 1) return 1 end",
                "  return 0",
                "end"));
        LUA.put(FLOOR, String.join("\n",
                "function(k, v)",
                "  if tonumber(v) > tonumber(redis.call('GET', k) or '0') then redis.call('SET', k, v) return 1 end",
                "  return 0",
                "end"));
        // Replaces the first two '|'-separated parts of hash values (a session message's phase and
        // packet id), keeping the rest: the update names only what changed. A missing field stays
        // missing. Field and head pairs, one or many (WriteFolds folds a run of them): one HMGET
        // and one HSET for all; a field named twice takes its later head, as one by one.
        LUA.put(SET_HEAD, String.join("\n",
                "function(k, ...)",
                "  local a, fields, set = {...}, {}, {}",
                "  for j = 1, #a, 2 do fields[#fields + 1] = a[j] end",
                "  local vs = redis.call('HMGET', k, unpack(fields))",
                "  for j = 1, #fields do",
                "    local rest = vs[j] and string.match(vs[j], '^[^|]*|[^|]*|(.*)$')",
                "    if rest then set[#set + 1] = fields[j]; set[#set + 1] = a[2 * j] .. '|' .. rest end",
                "  end",
                "  if #set == 0 then return 0 end",
                "  redis.call('HSET', k, unpack(set))",
                "  return #set / 2",
                "end"));
    }

    private static final Map<String, String> DIRECT = new LinkedHashMap<>();

    static {
        LUA.forEach((name, fn) -> {
            // DROP calls another pseudo-command: batch script only. PUTREF has two keys (below).
            if (!name.equals(DROP) && !name.equals(PUT_REF)) {
                DIRECT.put(name, "local f = " + fn + "\nreturn f(KEYS[1], unpack(ARGV))");
            }
        });
    }

    private static final String PUT_REF_ALONE = "local f = " + LUA.get(PUT_REF)
            + "\nreturn f(KEYS[1], ARGV[1], ARGV[2], KEYS[2])";

    private PseudoCommands() {
    }

    /** The Lua that defines {@code pseudo[name] = function...} for the batch script. */
    static String definitions() {
        StringBuilder sb = new StringBuilder("local pseudo = {}\n");
        LUA.forEach((name, fn) -> sb.append("pseudo['").append(name).append("'] = ").append(fn).append('\n'));
        return sb.toString();
    }

    /** {@code PERCH.UNREF key}: HINCRBY key refs -1, and DEL key once that is 0 or less. */
    public static ArgvCall unref(byte[] key) {
        return of(UNREF, true, key);
    }

    /**
     * {@code PERCH.SETHEAD key field head}: the value's first two '|' parts become {@code head}.
     * A run of them on one key may be folded into one ({@link WriteFolds}).
     */
    public static ArgvCall setHead(byte[] key, byte[] field, String head) {
        return of(SET_HEAD, true, key, field, head);
    }

    /**
     * {@code PERCH.PUTREF key field value body}: {@code HSET key field value}, and one more
     * reference to {@code body} only when the field is new. Two keys, so sent alone it is a
     * two-key {@code EVAL}: for single and Sentinel pools only (on a Redis Cluster the two
     * keys are in different slots).
     */
    public static ArgvCall putRef(byte[] key, byte[] field, byte[] value, byte[] body) {
        byte[][] keys = {key, body};
        return ArgvCall.of(r -> r.eval(PUT_REF_ALONE, ScriptOutputType.INTEGER, keys, field, value),
                PUT_REF, key, field, value, body);
    }

    /** {@link #FLOOR}: raises {@code key} to {@code value}. */
    public static ArgvCall floor(byte[] key, long value) {
        return of(FLOOR, false, key, value);
    }

    /**
     * {@code PERCH.DROP holder pattern prefix key...} inside the batch script; {@code alone} is
     * what runs instead when the write goes command by command (Cluster: the bodies live in
     * other slots, so {@code alone} deletes and returns the ids for a later release).
     */
    public static ArgvCall drop(RedisCall alone, byte[] holder, String pattern, String prefix, byte[]... others) {
        Object[] parts = new Object[4 + others.length];
        parts[0] = DROP;
        parts[1] = holder;
        parts[2] = pattern;
        parts[3] = prefix;
        System.arraycopy(others, 0, parts, 4, others.length);
        return ArgvCall.of(alone, parts);
    }

    /**
     * A Redis Cluster's fence: the fence and one client's commands on its slot (its keys share
     * the owner hash's hash tag) as one {@code EVAL} there, so a stale writer's commands are not
     * applied at all. Replies {@code {0, node, epoch}} when refused (nothing ran), else
     * {@code {1, reply...}} with each command's reply in order (nil as 0); a command's error
     * fails the call after the others ran, as in a pipeline. {@code PERCH.DROP} deletes its keys
     * and replies the message ids they named, which the caller releases (their bodies live in
     * other slots).
     */
    public static RedisCall fencedRun(byte[] ownerKey, long epoch, List<ArgvCall> calls) {
        List<byte[]> args = new ArrayList<>(1 + calls.size() * 6);
        args.add(Long.toString(epoch).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (ArgvCall c : calls) {
            byte[][] argv = c.argv();
            args.add(Integer.toString(argv.length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            args.addAll(Arrays.asList(argv));
        }
        byte[][] keys = {ownerKey};
        byte[][] argv = args.toArray(byte[][]::new);
        return r -> r.eval(FENCED_RUN, ScriptOutputType.MULTI, keys, argv);
    }

    /** KEYS[1]: the owner hash; ARGV: the epoch, then each command as its argument count and arguments. */
    private static final String FENCED_RUN = definitions() + String.join("\n",
            "pseudo['" + DROP + "'] = function(k, pattern, prefix, ...)",
            "  local ids = {}",
            "  for _, v in ipairs(redis.call('HVALS', k)) do",
            "    local id = string.match(v, pattern)",
            "    if id then ids[#ids + 1] = id end",
            "  end",
            "  redis.call('DEL', k, ...)",
            "  return ids",
            "end",
            "local e = redis.call('HMGET', KEYS[1], 'epoch', 'node')",
            "if tonumber(e[1] or '0') > tonumber(ARGV[1]) then return {0, e[2] or '', e[1]} end",
            "local out, err, i, n = {1}, nil, 2, #ARGV",
            "while i <= n do",
            "  local argc = tonumber(ARGV[i])",
            "  local p, r = pseudo[ARGV[i + 1]], nil",
            "  if p then",
            "    local ok, res = pcall(p, unpack(ARGV, i + 2, i + argc))",
            "    if ok then r = res elseif type(res) == 'table' and res.err then r = res else r = {err = tostring(res)} end",
            "  else",
            "    r = redis.pcall(unpack(ARGV, i + 1, i + argc))",
            "  end",
            "  if type(r) == 'table' and r.err then err = err or r.err; r = 0 end",
            "  if r == nil or r == false then r = 0 end",
            "  out[#out + 1] = r",
            "  i = i + argc + 1",
            "end",
            "if err then return redis.error_reply(err) end",
            "return out");

    /** {@link #ONCE}: guards the {@code following} commands of the same write. */
    public static ArgvCall once(byte[] marker, long seq, int following, long ttlMillis) {
        byte[] value = Long.toString(seq).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ArgvCall.of(r -> r.set(marker, value, io.lettuce.core.SetArgs.Builder.px(ttlMillis)),
                ONCE, marker, seq, following, ttlMillis);
    }

    /**
     * {@link #FENCE}: guards the {@code following} commands of the same write with the epoch
     * this node holds for the client whose owner hash is {@code ownerKey}.
     */
    public static ArgvCall fence(byte[] ownerKey, long epoch, int following) {
        byte[] e = Long.toString(epoch).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ArgvCall.of(r -> r.eval(FENCE_DIRECT, ScriptOutputType.MULTI, new byte[][]{ownerKey}, e),
                FENCE, ownerKey, epoch, following);
    }

    static boolean isOnce(ArgvCall call) {
        return named(call, ONCE);
    }

    static boolean isFence(ArgvCall call) {
        return named(call, FENCE);
    }

    private static boolean named(ArgvCall call, String command) {
        byte[] name = call.argv()[0];
        return name.length == command.length()
                && command.equals(new String(name, java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static ArgvCall of(String name, boolean foldable, byte[] key, Object... args) {
        Object[] parts = new Object[2 + args.length];
        parts[0] = name;
        parts[1] = key;
        System.arraycopy(args, 0, parts, 2, args.length);
        ArgvCall shape = ArgvCall.of(r -> null, parts);
        RedisCall direct = direct(shape.argv());
        return foldable ? ArgvCall.foldable(direct, parts) : ArgvCall.of(direct, parts);
    }

    /** A pseudo-command's command line ({@code name key args...}) sent alone: a one-key EVAL. */
    static RedisCall direct(byte[][] argv) {
        String script = DIRECT.get(new String(argv[0], java.nio.charset.StandardCharsets.US_ASCII));
        byte[][] keys = {argv[1]};
        byte[][] scriptArgs = Arrays.copyOfRange(argv, 2, argv.length);
        return r -> r.eval(script, ScriptOutputType.INTEGER, keys, scriptArgs);
    }
}
