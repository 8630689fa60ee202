package io.perch.redis.cluster;

/**
 * The Lua scripts of {@link Membership}. Each reads Redis's own clock ({@code TIME}), so every node
 * judges heartbeats by one clock whatever the skew between the nodes' hosts. {@code BEAT} reads
 * keys beyond KEYS (the hashes of other nodes): legal on a Redis Cluster because every key it
 * touches carries the hash tag {@code {cluster}} and so lives in the slot of its KEYS.
 */
final class MembershipScripts {
    private MembershipScripts() {
    }

    private static final String NOW = "local t = redis.call('TIME')\n"
            + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
            + "local nows = string.format('%d', now)\n";

    /**
     * KEYS: nodes zset, own hash. ARGV: name, instance, node_timeout ms, then field/value pairs.
     * Returns {1, now} when joined, {0, age ms} when another live process holds the name.
     */
    static final String JOIN = NOW
            + "local score = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
            + "if score then\n"
            + "  local other = redis.call('HGET', KEYS[2], 'instance')\n"
            + "  local age = now - tonumber(score)\n"
            + "  if other and other ~= ARGV[2] and age <= tonumber(ARGV[3]) then return {0, age} end\n"
            + "end\n"
            + "redis.call('DEL', KEYS[2])\n"
            + "redis.call('HSET', KEYS[2], 'instance', ARGV[2], 'heartbeat', nows, unpack(ARGV, 4))\n"
            + "redis.call('ZADD', KEYS[1], nows, ARGV[1])\n"
            + "return {1, now}\n";

    /**
     * KEYS: nodes zset, own hash. ARGV: name, instance, then the field/value pairs to announce
     * again when the hash is gone (Redis lost it, or this node was reaped after a long pause).
     * Returns {now, status, name1, score1, {hash1...}, ...}: status 1 beat, 2 re-announced,
     * 0 another process holds the name (nothing written).
     */
    static final String BEAT = NOW
            + "local inst = redis.call('HGET', KEYS[2], 'instance')\n"
            + "local status = 1\n"
            + "if inst and inst ~= ARGV[2] then\n"
            + "  status = 0\n"
            + "else\n"
            + "  if not inst then\n"
            + "    status = 2\n"
            + "    redis.call('HSET', KEYS[2], 'instance', ARGV[2], unpack(ARGV, 3))\n"
            + "  end\n"
            + "  redis.call('HSET', KEYS[2], 'heartbeat', nows)\n"
            + "  redis.call('ZADD', KEYS[1], nows, ARGV[1])\n"
            + "end\n"
            + "local list = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')\n"
            + "local out = {now, status}\n"
            + "for i = 1, #list, 2 do\n"
            + "  out[#out + 1] = list[i]\n"
            + "  out[#out + 1] = list[i + 1]\n"
            + "  out[#out + 1] = redis.call('HGETALL', 'perch:{cluster}:node:' .. list[i])\n"
            + "end\n"
            + "return out\n";

    /**
     * Forgets a node that left or died. KEYS: nodes zset, its hash, its routes set, routes
     * version hash, its seen hash. ARGV: name, the last heartbeat seen (the node is kept if it
     * beat since: it was only paused), instance that must still hold the name ("" = any),
     * the hint to publish. Returns 1 when removed.
     */
    static final String FORGET = "local score = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
            + "if score and tonumber(score) > tonumber(ARGV[2]) then return 0 end\n"
            + "if ARGV[3] ~= '' then\n"
            + "  local inst = redis.call('HGET', KEYS[2], 'instance')\n"
            + "  if inst and inst ~= ARGV[3] then return 0 end\n"
            + "end\n"
            + "redis.call('ZREM', KEYS[1], ARGV[1])\n"
            + "redis.call('DEL', KEYS[2], KEYS[3], KEYS[5])\n"
            + "redis.call('HDEL', KEYS[4], ARGV[1])\n"
            + "redis.call('PUBLISH', '" + NodeKeys.HINTS + "', ARGV[4])\n"
            + "return 1\n";

    /** Extends a reap lock its holder still holds. KEYS: the lock. ARGV: holder, ms. Returns 1 when extended. */
    static final String KEEP_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
            + "  return {redis.call('PEXPIRE', KEYS[1], ARGV[2])}\n"
            + "end\n"
            + "return {0}\n";
}
