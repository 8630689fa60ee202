package io.perch.redis.cluster;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.ValueScanCursor;
import io.perch.broker.cluster.Cluster;
import io.perch.redis.function.PoolRuntime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * Which node owns which client: hash {@code perch:owner:{id}} ({@code node}, {@code epoch}) and a
 * set per node of the ids it owns ({@link OwnerKeys}). A claim bumps the epoch; the session
 * store refuses writes carrying an older one (the fence, {@code PseudoCommands.FENCE}). A claim by
 * the node that holds the current epoch keeps that epoch (it fences nobody, and would fence the
 * node's own writes in flight).
 *
 * <p>The epoch only grows: a disown clears {@code node} and keeps the hash, because a fence
 * compares numbers, and a hash deleted and claimed anew would start again at 1, letting a
 * stale writer with a larger epoch through. The cost is one small hash per client ever
 * claimed, which outlives the session (cleanup with the session's own keys is left to later).
 *
 * <p>On a single or Sentinel pool a claim is one script over the hash and both sets; on a
 * Cluster pool the sets live in other slots, so the script covers the hash alone (that part
 * decides and is atomic) and the sets are updated after it, as separate writes.
 *
 * <p>Threads: any thread; the epochs map is concurrent, updated when a claim or disown replies
 * (on the pool's pipeline thread).
 */
public final class Ownership {
    private static final String FUNCTION = "cluster.owner";
    /**
     * KEYS: owner hash, my set, expected's set (or none); ARGV: me, expected ('' for none), client,
     * the epoch this node holds (-1 for none). A claim by the holder of the current epoch keeps it.
     */
    static final String CLAIM = String.join("\n",
            "local cur = redis.call('HGET', KEYS[1], 'node')",
            "local me, expected = ARGV[1], ARGV[2]",
            "if cur and cur ~= '' and cur ~= me and cur ~= expected then",
            "  return {0, cur, tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')}",
            "end",
            "if cur == me then",
            "  local held = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')",
            "  if held == tonumber(ARGV[4]) then",
            "    if KEYS[2] then redis.call('SADD', KEYS[2], ARGV[3]) end",
            "    return {1, me, held, cur}",
            "  end",
            "end",
            "local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)",
            "redis.call('HSET', KEYS[1], 'node', me)",
            "if KEYS[2] then redis.call('SADD', KEYS[2], ARGV[3]) end",
            "if cur and cur ~= '' and cur ~= me and KEYS[3] then redis.call('SREM', KEYS[3], ARGV[3]) end",
            "return {1, me, epoch, cur or ''}");
    /** KEYS: owner hash, my set (or none); ARGV: me, my epoch, client. Returns 1 when it let go. */
    static final String DISOWN = String.join("\n",
            "local v = redis.call('HMGET', KEYS[1], 'node', 'epoch')",
            "if v[1] ~= ARGV[1] or tonumber(v[2] or '0') ~= tonumber(ARGV[2]) then return 0 end",
            "redis.call('HDEL', KEYS[1], 'node')",
            "if KEYS[2] then redis.call('SREM', KEYS[2], ARGV[3]) end",
            "return 1");
    private static final int SCAN_PAGE = 1000;

    private final String me;
    private final PoolRuntime pool;
    /** The epoch of this node's claim of each client it claimed and has not disowned. */
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    /**
     * Clients another node asked this one to let go, with the epoch Redis held then: a claim of
     * this node with that epoch or an older one is over, so a CONNECT here that claimed just
     * before must not open its session after all (the other node asked later and wins). By
     * epoch, not by order of arrival: the release can be read here before the claim's reply.
     * The epochs stay, so late writes stay fenced.
     */
    private final Map<String, Long> letGo = new ConcurrentHashMap<>();

    public Ownership(String me, PoolRuntime pool) {
        this.me = me;
        this.pool = pool;
    }

    public String node() {
        return me;
    }

    /** The node that owns {@code clientId}, or null when none does. */
    public CompletionStage<String> owner(String clientId) {
        byte[] key = OwnerKeys.owner(clientId);
        return pool.read(FUNCTION, List.of(r -> r.hget(key, utf8("node"))))
                .thenApply(r -> r.get(0) == null ? null : str((byte[]) r.get(0)));
    }

    /**
     * Makes this node the owner if the owner is {@code expected}, none, or this node already;
     * else returns who owns it. {@code expected} null means none (or this node).
     */
    public CompletionStage<Cluster.Claim> claim(String clientId, String expected) {
        String exp = expected == null ? "" : expected;
        byte[] hash = OwnerKeys.owner(clientId);
        byte[][] keys = pool.isCluster() ? new byte[][]{hash}
                : exp.isEmpty() || exp.equals(me) ? new byte[][]{hash, OwnerKeys.owned(me)}
                : new byte[][]{hash, OwnerKeys.owned(me), OwnerKeys.owned(exp)};
        // This node's own claim is not made anew: its writes in flight carry that epoch, and a
        // newer one would fence them (a reaper's writes to a dead node's session when its client
        // comes back here, or a session's last writes when its client reconnects here). Unless
        // another node asked for the client since: then only a newer claim holds it again.
        long held = holds(clientId) ? epochOf(clientId) : -1;
        byte[][] args = {utf8(me), utf8(exp), utf8(clientId), utf8(Long.toString(held))};
        return write(List.of(r -> r.eval(CLAIM, ScriptOutputType.MULTI, keys, args)))
                .thenCompose(replies -> {
                    List<?> r = (List<?>) replies.get(0);
                    boolean won = ((Number) r.get(0)).longValue() == 1;
                    String owner = str((byte[]) r.get(1));
                    long epoch = ((Number) r.get(2)).longValue();
                    Cluster.Claim claim = new Cluster.Claim(won, owner, epoch);
                    if (!won) {
                        epochs.remove(clientId);
                        return CompletableFuture.completedFuture(claim);
                    }
                    epochs.put(clientId, epoch);
                    letGo.computeIfPresent(clientId, (k, gone) -> gone < epoch ? null : gone); // a newer claim
                    if (!pool.isCluster()) {
                        return CompletableFuture.completedFuture(claim);
                    }
                    String previous = str((byte[]) r.get(3));
                    return clusterSets(clientId, previous).thenApply(v -> claim);
                });
    }

    /**
     * A durable write straight to the pipeline: never folded into a session store group (whose
     * replies are not known), since the scripts' replies decide.
     */
    private CompletableFuture<List<Object>> write(List<io.perch.redis.client.RedisCall> calls) {
        return pool.pipeline().submit(io.perch.redis.client.RedisOp.durableWrite(FUNCTION, calls));
    }

    /** Cluster pools: the owned sets, after the hash decided (not atomic with it). */
    private CompletableFuture<Void> clusterSets(String clientId, String previous) {
        byte[] id = utf8(clientId);
        byte[] mine = OwnerKeys.owned(me);
        List<io.perch.redis.client.RedisCall> calls = new ArrayList<>(2);
        calls.add(r -> r.sadd(mine, id));
        if (!previous.isEmpty() && !previous.equals(me)) {
            byte[] theirs = OwnerKeys.owned(previous);
            calls.add(r -> r.srem(theirs, id));
        }
        return write(calls).thenApply(r -> null);
    }

    /**
     * The client's session ended here: its ownership goes if this node still holds it with the
     * epoch of its claim. Completes with whether it did.
     */
    public CompletionStage<Boolean> disown(String clientId) {
        Long epoch = epochs.remove(clientId);
        if (epoch == null) {
            return CompletableFuture.completedFuture(false);
        }
        byte[] hash = OwnerKeys.owner(clientId);
        byte[] mine = OwnerKeys.owned(me);
        byte[][] keys = pool.isCluster() ? new byte[][]{hash} : new byte[][]{hash, mine};
        byte[][] args = {utf8(me), utf8(Long.toString(epoch)), utf8(clientId)};
        return write(List.of(r -> r.eval(DISOWN, ScriptOutputType.INTEGER, keys, args)))
                .thenCompose(replies -> {
                    boolean done = ((Number) replies.get(0)).longValue() == 1;
                    if (!done || !pool.isCluster()) {
                        return CompletableFuture.completedFuture(done);
                    }
                    byte[] id = utf8(clientId);
                    return write(List.of(r -> r.srem(mine, id))).thenApply(r -> true);
                });
    }

    /**
     * Another node asked for {@code clientId}: every claim of this node up to the epoch Redis
     * holds now is over (see {@link #letGo}). Completes once that is recorded.
     */
    public CompletionStage<Void> released(String clientId) {
        byte[] hash = OwnerKeys.owner(clientId);
        return pool.read(FUNCTION, List.of(r -> r.hget(hash, utf8("epoch")))).thenAccept(replies -> {
            Object e = replies.get(0);
            long epoch = e instanceof byte[] b ? Long.parseLong(str(b)) : 0;
            letGo.merge(clientId, epoch, Math::max);
        });
    }

    /** False when another node asked for the client since this node's last claim of it. */
    public boolean holds(String clientId) {
        Long gone = letGo.get(clientId);
        if (gone == null) {
            return true;
        }
        Long mine = epochs.get(clientId);
        return mine != null && mine > gone;
    }

    /** A stored session this node owned before it restarted: its writes carry that claim's epoch. */
    public void restored(String clientId, long epoch) {
        epochs.put(clientId, epoch);
    }

    /**
     * The epoch of this node's current claim of {@code clientId}, or -1 when it holds none: what
     * the session store's fence carries ({@code RedisSessionPersistence.fencing}).
     */
    public long epochOf(String clientId) {
        Long e = epochs.get(clientId);
        return e == null ? -1 : e;
    }

    /** The client ids this node owns, per Redis. */
    public CompletionStage<Set<String>> owned() {
        return ownedBy(me);
    }

    /** The client ids {@code node} owns, per Redis (SSCAN, page by page). */
    public CompletionStage<Set<String>> ownedBy(String node) {
        Set<String> out = new LinkedHashSet<>();
        return scan(OwnerKeys.owned(node), ScanCursor.INITIAL, out).thenApply(v -> out);
    }

    private CompletableFuture<Void> scan(byte[] key, ScanCursor cursor, Set<String> out) {
        ScanArgs args = ScanArgs.Builder.limit(SCAN_PAGE);
        return pool.read(FUNCTION, List.of(r -> r.sscan(key, cursor, args))).thenCompose(replies -> {
            @SuppressWarnings("unchecked")
            ValueScanCursor<byte[]> page = (ValueScanCursor<byte[]>) replies.get(0);
            page.getValues().forEach(v -> out.add(str(v)));
            return page.isFinished() ? CompletableFuture.completedFuture(null) : scan(key, page, out);
        });
    }
}
