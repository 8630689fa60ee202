package io.perch.redis.cluster;

/**
 * The Lua scripts of {@link RouteTable}: a node's route set and its version change in one
 * script, so that a reader never sees a version that disagrees with the set.
 */
final class RouteScripts {
    private RouteScripts() {
    }

    /** Next version: above both what Redis holds and what the node last wrote (Redis may have lost it). */
    private static final String NEXT_VERSION = "local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')\n"
            + "local known = tonumber(ARGV[2])\n"
            + "if cur < known then cur = known end\n"
            + "local v = cur + 1\n"
            + "redis.call('HSET', KEYS[2], ARGV[1], string.format('%d', v))\n"
            + "redis.call('PUBLISH', '" + NodeKeys.HINTS + "', 'routes ' .. ARGV[1] .. ' ' .. string.format('%d', v))\n"
            + "return v\n";

    /**
     * Applies changes in order. KEYS: the node's route set, the version hash. ARGV: node, last
     * version it wrote, "1" when the set must exist (the node had routes before these changes),
     * then "+key" / "-key". Returns the new version, or -1 when the set was lost (nothing applied:
     * the node rewrites it whole).
     */
    static final String APPLY = "if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
            + "for i = 4, #ARGV do\n"
            + "  local k = string.sub(ARGV[i], 2)\n"
            + "  if string.sub(ARGV[i], 1, 1) == '+' then redis.call('SADD', KEYS[1], k)\n"
            + "  else redis.call('SREM', KEYS[1], k) end\n"
            + "end\n"
            + NEXT_VERSION;

    /** Replaces the set with ARGV[3..]. KEYS and ARGV[1..2] as {@link #APPLY}. Returns the new version. */
    static final String REWRITE = "redis.call('DEL', KEYS[1])\n"
            + "for i = 3, #ARGV, 1000 do\n"
            + "  redis.call('SADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))\n"
            + "end\n"
            + NEXT_VERSION;

    /** KEYS: version hash, a node's route set. ARGV: node. Returns {version or "0", members}, read together. */
    static final String READ = "return {redis.call('HGET', KEYS[1], ARGV[1]) or '0', redis.call('SMEMBERS', KEYS[2])}\n";

    /** A dead node's routes go. KEYS: its route set, the version hash. ARGV: node. */
    static final String FORGET = "redis.call('DEL', KEYS[1])\n"
            + "redis.call('HDEL', KEYS[2], ARGV[1])\n"
            + "redis.call('PUBLISH', '" + NodeKeys.HINTS + "', 'dead ' .. ARGV[1])\n"
            + "return 1\n";
}
