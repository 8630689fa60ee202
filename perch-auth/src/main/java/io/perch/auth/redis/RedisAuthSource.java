package io.perch.auth.redis;

import io.perch.auth.scram.ScramVerifier;

import io.lettuce.core.KeyValue;
import io.perch.auth.spi.AuthOutcome;
import io.perch.auth.spi.AuthSource;
import io.perch.broker.hook.event.ClientInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Authentication as emqx_auth_redis 4.x: {@code auth_cmd} fetches the user's password hash (and
 * salt); no user (an empty reply) is "not mine", a password that does not match denies, a match
 * allows, and {@code super_cmd} (or an {@code is_superuser} field of {@code auth_cmd}, as EMQX 5
 * names it) makes the client a superuser. A query that fails or times out fails the stage and
 * the chain asks the next source. Passwords and hashes are never logged.
 *
 * <p>Threads: called on broker event loops; replies and cheap hashes are handled on Lettuce's
 * I/O threads, bcrypt and pbkdf2 on {@code slowHashes}.
 */
final class RedisAuthSource implements AuthSource {
    private static final Logger log = LoggerFactory.getLogger(RedisAuthSource.class);
    private final RedisCommand authCmd;
    private final PasswordHash hash;
    private final RedisCommand superCmd;
    private final RedisQueries redis;
    private final Executor slowHashes;
    /** Where in auth_cmd's reply the hash, the salt and the superuser flag are (-1: absent). */
    final int hashAt;
    final int saltAt;
    final int superAt;

    RedisAuthSource(RedisCommand authCmd, PasswordHash hash, RedisCommand superCmd, RedisQueries redis,
                    Executor slowHashes) {
        this.authCmd = authCmd;
        this.hash = hash;
        this.superCmd = superCmd;
        this.redis = redis;
        this.slowHashes = slowHashes;
        // EMQX 5 names the fields (password_hash or password, salt, is_superuser); EMQ X 4 reads
        // them by position: the hash first, then the salt.
        List<String> fields = authCmd.fields();
        int h = -1;
        int s = -1;
        int su = -1;
        for (int i = 0; i < fields.size(); i++) {
            switch (fields.get(i).toLowerCase(Locale.ROOT)) {
                case "password", "password_hash" -> h = h < 0 ? i : h;
                case "salt" -> s = s < 0 ? i : s;
                case "is_superuser" -> su = su < 0 ? i : su;
                default -> { }
            }
        }
        if (h < 0) {
            h = 0;
            while (h == s || h == su) {
                h++;
            }
        }
        if (s < 0 && fields.size() > 1 && h == 0 && su != 1) {
            s = 1;
        }
        hashAt = h;
        saltAt = s;
        superAt = su;
        boolean wantsSalt = hash.salt != PasswordHash.Salt.NONE || hash.algo == PasswordHash.Algo.PBKDF2;
        if (wantsSalt && saltAt < 0) {
            log.warn("{}: password_hash {} uses a salt but {} fetches none: the salt is taken as empty",
                    authCmd.source().where(), hash, authCmd);
        }
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public CompletionStage<AuthOutcome> authenticate(ClientInfo client, byte[] password) {
        CompletableFuture<List<String>> reply = fetch(authCmd, client);
        if (reply == null) {
            return CompletableFuture.completedFuture(AuthOutcome.IGNORE); // no username for mqtt_user:%u
        }
        return reply.thenCompose(values -> {
            String stored = hashAt < values.size() ? values.get(hashAt) : null;
            if (stored == null) {
                return CompletableFuture.completedFuture(AuthOutcome.IGNORE); // no such user
            }
            String salt = saltAt >= 0 && saltAt < values.size() ? values.get(saltAt) : null;
            CompletableFuture<Boolean> ok = ScramVerifier.looksLikeOne(stored)
                    // A SCRAM-SHA-256 verifier in the hash field checks a plain password too, whatever password_hash says.
                    ? CompletableFuture.supplyAsync(() -> {
                        ScramVerifier v = verifier(stored);
                        return v != null && v.verifyPlain(password);
                    }, slowHashes)
                    : hash.slow()
                    ? CompletableFuture.supplyAsync(() -> hash.check(stored, salt, password), slowHashes)
                    : CompletableFuture.completedFuture(hash.check(stored, salt, password));
            return ok.thenCompose(match -> {
                if (!match) {
                    return CompletableFuture.completedFuture(AuthOutcome.DENY);
                }
                if (superAt >= 0 && superAt < values.size() && truthy(values.get(superAt))) {
                    return CompletableFuture.completedFuture(AuthOutcome.SUPERUSER);
                }
                return superuser(client).thenApply(AuthOutcome::allow);
            });
        });
    }

    /**
     * The SCRAM user's verifier: auth_cmd run for that username, when its hash field holds a
     * {@code SCRAM-SHA-256$...} value; null otherwise.
     */
    CompletionStage<ScramVerifier> scram(ClientInfo client, String user) {
        ClientInfo as = new ClientInfo(client.clientId(), user, client.peerHost(), client.peerPort(),
                client.protocolVersion(), client.cleanStart(), client.keepAlive(), client.connectedAt(), client.node(),
                client.listener(), client.certCommonName(), client.certSubject());
        CompletableFuture<List<String>> reply = fetch(authCmd, as);
        if (reply == null) {
            return CompletableFuture.completedFuture(null);
        }
        return reply.thenApply(values -> {
            String stored = hashAt < values.size() ? values.get(hashAt) : null;
            return stored != null && ScramVerifier.looksLikeOne(stored) ? verifier(stored) : null;
        });
    }

    /** The verifier a stored value holds, or null (logged) when it is malformed. */
    private static ScramVerifier verifier(String stored) {
        try {
            return ScramVerifier.parse(stored);
        } catch (IllegalArgumentException e) {
            log.warn("a SCRAM-SHA-256 verifier in Redis is malformed: {}", e.getMessage());
            return null;
        }
    }

    /** super_cmd's answer; false when it is not set, has no answer or fails (as in EMQ X). */
    private CompletableFuture<Boolean> superuser(ClientInfo client) {
        CompletableFuture<List<String>> reply = superCmd == null ? null : fetch(superCmd, client);
        if (reply == null) {
            return CompletableFuture.completedFuture(false);
        }
        return reply.handle((values, e) -> {
            if (e != null) {
                log.warn("redis super_cmd failed for client {}: {}; not a superuser", client.clientId(),
                        e.getCause() != null ? e.getCause() : e);
                return false;
            }
            return !values.isEmpty() && truthy(values.get(0));
        });
    }

    /** "1" as EMQ X 4 writes it, "true" as EMQX 5 also accepts. */
    static boolean truthy(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    /** The command's values for the client (null for a missing one), or null when it cannot be filled. */
    private CompletableFuture<List<String>> fetch(RedisCommand cmd, ClientInfo client) {
        String key = cmd.key(client);
        List<String> fields = cmd.fields(client);
        if (key == null || fields == null) {
            return null;
        }
        byte[] k = bytes(key);
        return switch (cmd.op()) {
            case "GET" -> redis.run(c -> c.get(k)).thenApply(v -> Collections.singletonList(text(v)));
            case "HGET" -> redis.run(c -> c.hget(k, bytes(fields.get(0))))
                    .thenApply(v -> Collections.singletonList(text(v)));
            default -> redis.run(c -> c.hmget(k, fields.stream().map(RedisAuthSource::bytes).toArray(byte[][]::new)))
                    .thenApply(kvs -> {
                        List<String> out = new ArrayList<>(kvs.size());
                        for (KeyValue<byte[], byte[]> kv : kvs) {
                            out.add(kv.hasValue() ? text(kv.getValue()) : null);
                        }
                        return out;
                    });
        };
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
