package io.perch.auth.jwt;

import io.perch.auth.spi.AclSource;
import io.perch.auth.spi.AuthSource;
import io.perch.auth.spi.Sources;
import io.perch.broker.api.ClientView;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.ConnackEvent;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.plugin.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The configured JWT source: loads the keys at start (a bad key file stops start-up with its
 * line), re-reads the JWKS file on the plugin's timer when its size or modification time
 * changes (a broken new file is logged and the previous keys stay), and forgets a client's
 * token ACL when its connection ends (client.disconnected) or its CONNECT is refused after the
 * token was accepted (client.connack with a failure code).
 */
final class JwtSources implements Sources {
    private static final Logger log = LoggerFactory.getLogger(JwtSources.class);
    /** How long past a token's exp a grant whose connection vanished unseen is kept. */
    private static final Duration SWEEP = Duration.ofMinutes(1);

    private final JwtKind.Settings settings;
    private final AtomicReference<JwtKeys> keys = new AtomicReference<>(new JwtKeys(List.of()));
    private final List<JwtKeys.Key> fixed = new ArrayList<>();
    private final List<HookRegistry.Registration> registrations = new ArrayList<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private JwtSource source;
    private Path jwksFile;
    private Object jwksStamp;

    JwtSources(JwtKind.Settings settings) {
        this.settings = settings;
    }

    JwtKind.Settings settings() {
        return settings;
    }

    /** Which kinds of key verify tokens (the PEM and JWKS paths, never the secret) and how tokens are read. */
    @Override
    public java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        List<String> kinds = new ArrayList<>();
        if (settings.secret() != null) {
            kinds.add("hmac secret");
        }
        if (settings.pubkey() != null) {
            kinds.add("public key");
            m.put("pubkey", settings.pubkey().value().trim());
        }
        if (settings.jwks() != null) {
            kinds.add("jwks");
            m.put("jwks", settings.jwks().value().trim());
        }
        m.put("keys", kinds);
        m.put("from", settings.fromUsername() ? "username" : "password");
        m.put("verify_claims", settings.verifyClaims());
        m.put("acl_claim_name", settings.aclClaim());
        return m;
    }

    /** perch check: the key files load (nothing is scheduled). */
    @Override
    public void check(Path home) {
        Context paths = new Context(home, null, null, null);
        loadFixed(paths, new ArrayList<>());
        if (settings.jwks() != null) {
            loadJwks(paths.resolve(settings.jwks().value().trim()));
        }
    }

    /** The secret and the PEM key; a bad file is a config error with its line. */
    private void loadFixed(Context context, List<JwtKeys.Key> into) {
        if (settings.secret() != null) {
            try {
                into.add(JwtKeys.secret(settings.secret().value().getBytes(StandardCharsets.UTF_8)));
            } catch (com.nimbusds.jose.JOSEException e) {
                // Not ConfigException(entry, ...): that would print the secret.
                throw new ConfigException(settings.secret().where() + ": " + settings.secret().key()
                        + ": cannot use it as an HMAC key: " + message(e));
            }
        }
        if (settings.pubkey() != null) {
            Path file = context.resolve(settings.pubkey().value().trim());
            try {
                into.add(JwtKeys.pem(file));
            } catch (Exception e) {
                throw new ConfigException(settings.pubkey(), "cannot read a public key from " + file + ": "
                        + message(e));
            }
        }
    }

    /** The JWK set's signing keys; a bad file is a config error with its line. */
    private List<JwtKeys.Key> loadJwks(Path file) {
        try {
            List<JwtKeys.Key> set = JwtKeys.jwks(file);
            if (set.isEmpty()) {
                throw new IllegalArgumentException("no RSA, EC or oct signing key in it");
            }
            return set;
        } catch (Exception e) {
            throw new ConfigException(settings.jwks(), "cannot read a JWK set from " + file + ": " + message(e));
        }
    }

    @Override
    public void start(Context context) throws Exception {
        loadFixed(context, fixed);
        List<JwtKeys.Key> all = new ArrayList<>(fixed);
        if (settings.jwks() != null) {
            jwksFile = context.resolve(settings.jwks().value().trim());
            try {
                jwksStamp = stamp(jwksFile);
            } catch (Exception e) {
                throw new ConfigException(settings.jwks(), "cannot read a JWK set from " + jwksFile + ": " + message(e));
            }
            all.addAll(loadJwks(jwksFile));
            long every = settings.jwksRefresh().toMillis();
            tasks.add(context.timer().scheduleWithFixedDelay(this::reloadIfChanged, every, every,
                    TimeUnit.MILLISECONDS));
        }
        keys.set(new JwtKeys(all));
        source = new JwtSource(settings, keys::get, Clock.systemUTC());
        tasks.add(context.timer().scheduleWithFixedDelay(() -> source.sweep(SWEEP, c -> context.broker()
                .client(c.clientId()).map(ClientView::connected).orElse(false)), 1, 1, TimeUnit.MINUTES));
        HookRegistry hooks = context.broker().hooks();
        registrations.add(hooks.register(HookPoints.CLIENT_DISCONNECTED, 100, "auth.jwt.forget",
                (DisconnectedEvent ev) -> {
                    source.forget(ev.client());
                    return CompletableFuture.completedFuture(HookResult.ok());
                }));
        registrations.add(hooks.register(HookPoints.CLIENT_CONNACK, 100, "auth.jwt.refused",
                (ConnackEvent ev) -> {
                    if (ev.reasonCode() != 0) {
                        source.forget(ev.client());
                    }
                    return CompletableFuture.completedFuture(HookResult.ok());
                }));
        log.info("JWT source: {} key(s){}, token from the {}{}", all.size(),
                jwksFile == null ? "" : " (JWK set " + jwksFile + ")", settings.fromUsername() ? "username" : "password",
                settings.verifyClaims() ? ", claims checked: " + settings.claims().keySet() : "");
    }

    /** Re-reads the JWKS file when it changed; on the timer thread (or a test's). */
    void reloadIfChanged() {
        try {
            Object now = stamp(jwksFile);
            if (Objects.equals(now, jwksStamp)) {
                return;
            }
            jwksStamp = now;
            List<JwtKeys.Key> all = new ArrayList<>(fixed);
            all.addAll(JwtKeys.jwks(jwksFile));
            keys.set(new JwtKeys(all));
            log.info("JWT source: re-read the JWK set {}: {} key(s)", jwksFile, all.size() - fixed.size());
        } catch (Exception e) {
            log.warn("JWT source: cannot re-read the JWK set {}: {}; keeping the previous keys", jwksFile, message(e));
        }
    }

    private static Object stamp(Path file) throws java.io.IOException {
        FileTime t = Files.getLastModifiedTime(file);
        return List.of(t, Files.size(file));
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    JwtSource source() {
        return source;
    }

    @Override
    public AuthSource auth() {
        return source;
    }

    @Override
    public AclSource acl() {
        return source;
    }

    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
        tasks.clear();
        registrations.forEach(HookRegistry.Registration::close);
        registrations.clear();
        if (source != null) {
            source.close();
        }
    }
}
