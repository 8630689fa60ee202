package io.perch.redis.config;

import java.util.List;

/**
 * One {@code backend.redis.<pool>.*} pool. {@code password} is never printed: see {@link #toString()}.
 */
public record PoolConfig(String name, PoolType type, List<HostPort> servers, String sentinelMaster, int poolSize,
                         int database, String username, String password, String channel, TlsConfig tls) {

    @Override
    public String toString() {
        return "pool " + name + " (" + type.name().toLowerCase() + " " + servers
                + (sentinelMaster != null ? " master " + sentinelMaster : "")
                + (type != PoolType.CLUSTER ? " db " + database : "")
                + (password != null ? ", password set" : "") + (tls.enabled() ? ", tls" : "") + ")";
    }
}
