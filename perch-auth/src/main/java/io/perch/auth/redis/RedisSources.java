package io.perch.auth.redis;

import io.perch.auth.spi.AclSource;
import io.perch.auth.spi.AuthSource;
import io.perch.auth.spi.Sources;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.TlsConfig;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The redis source's authentication and ACL parts over one connection ({@link RedisQueries}). */
final class RedisSources implements Sources {
    private final RedisSettings settings;
    private RedisQueries redis;
    private ExecutorService slowHashes;
    private RedisAuthSource auth;
    private RedisAclSource acl;

    RedisSources(RedisSettings settings) {
        this.settings = settings;
    }

    RedisSettings settings() {
        return settings;
    }

    /** The commands and hash as configured (they name keys and fields, never a password). */
    @Override
    public java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("auth_cmd", settings.authCmd() == null ? null : settings.authCmd().toString());
        m.put("password_hash", settings.authCmd() == null ? null : String.valueOf(settings.hash()));
        m.put("super_cmd", settings.superCmd() == null ? null : settings.superCmd().toString());
        m.put("acl_cmd", settings.aclCmd() == null ? null : settings.aclCmd().toString());
        m.put("query_timeout_ms", settings.queryTimeout().toMillis());
        return m;
    }

    @Override
    public void start(Context context) {
        redis = new RedisQueries(resolved(settings.pool(), context), settings.queryTimeout());
        redis.start(context.timer(), context.metrics());
        if (settings.authCmd() != null) {
            if (settings.hash().slow()) {
                // bcrypt and pbkdf2 take milliseconds of CPU each: never on an I/O thread.
                AtomicInteger n = new AtomicInteger();
                slowHashes = Executors.newFixedThreadPool(2, r -> {
                    Thread t = new Thread(r, "perch-auth-redis-hash-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            }
            auth = new RedisAuthSource(settings.authCmd(), settings.hash(), settings.superCmd(), redis,
                    slowHashes != null ? slowHashes : Runnable::run);
        }
        if (settings.aclCmd() != null) {
            acl = new RedisAclSource(settings.aclCmd(), redis);
        }
    }

    /** TLS files named relative to the Perch home, as the other plugins' files are. */
    static PoolConfig resolved(PoolConfig p, Context context) {
        TlsConfig t = p.tls();
        if (!t.enabled()) {
            return p;
        }
        TlsConfig r = new TlsConfig(true, path(t.caCertFile(), context), path(t.certFile(), context),
                path(t.keyFile(), context), t.verify());
        return new PoolConfig(p.name(), p.type(), p.servers(), p.sentinelMaster(), p.poolSize(), p.database(),
                p.username(), p.password(), p.channel(), r);
    }

    private static String path(String file, Context context) {
        return file == null ? null : context.resolve(file).toString();
    }

    @Override
    public AuthSource auth() {
        return auth;
    }

    @Override
    public AclSource acl() {
        return acl;
    }

    @Override
    public io.perch.auth.spi.ScramVerifiers scram() {
        return auth == null ? null : auth::scram;
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
        if (slowHashes != null) {
            slowHashes.shutdownNow();
        }
    }
}
