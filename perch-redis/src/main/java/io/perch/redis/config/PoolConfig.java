package io.perch.redis.config;

import java.util.List;

/**
 * One {@code backend.redis.<pool>.*} pool. {@code password} is never printed: see {@link #toString()}.
 * {@code embedded}: its server is {@code embedded}, i.e. the redis-server Perch runs itself
 * ({@code servers} is that server's address; the password is filled in at start, see {@link #withPassword}).
 */
public record PoolConfig(String name, PoolType type, List<HostPort> servers, String sentinelMaster, int poolSize,
                         int database, String username, String password, String channel, TlsConfig tls,
                         boolean embedded) {

    public PoolConfig(String name, PoolType type, List<HostPort> servers, String sentinelMaster, int poolSize,
                      int database, String username, String password, String channel, TlsConfig tls) {
        this(name, type, servers, sentinelMaster, poolSize, database, username, password, channel, tls, false);
    }

    /** The same pool with the embedded Redis's generated password. */
    public PoolConfig withPassword(String generated) {
        return new PoolConfig(name, type, servers, sentinelMaster, poolSize, database, username, generated, channel,
                tls, embedded);
    }

    @Override
    public String toString() {
        return "pool " + name + " (" + type.name().toLowerCase() + " " + (embedded ? "embedded " : "") + servers
                + (sentinelMaster != null ? " master " + sentinelMaster : "")
                + (type != PoolType.CLUSTER ? " db " + database : "")
                + (password != null ? ", password set" : "") + (tls.enabled() ? ", tls" : "") + ")";
    }
}
