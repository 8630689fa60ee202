package io.perch.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.perch.auth.spi.AclSource;
import io.perch.auth.spi.AuthOutcome;
import io.perch.auth.spi.AuthSource;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Authentication by a JSON Web Token in the CONNECT password (or username), and ACL from the
 * token's {@code acl} claim, as EMQ X 4's emqx_auth_jwt does.
 *
 * <p>Authentication: no token → IGNORE; a value that is not a JWS in compact form (three
 * dot-separated parts whose first is a JSON header naming an {@code alg}) → IGNORE, as it may be
 * a password for the next source; a token whose signature no configured key verifies (an
 * unsigned {@code alg: none} token included), that expired ({@code exp}) or is not yet valid
 * ({@code nbf}), both with {@link #SKEW} of clock skew allowed, whose claims fail
 * {@code verify_claims}, or whose ACL claim is malformed → DENY; else ALLOW, as a superuser
 * when the claim {@code superuser} or {@code is_superuser} is true (the JSON boolean, the string
 * "true" or the number 1).
 *
 * <p>ACL: the ACL claim ({@code auth.jwt.acl_claim_name}) of an allowed token is kept per client
 * id and username, with the connection it belongs to, until that connection ends (or its CONNECT
 * is refused after all). With no ACL claim the source has no rules for the client (IGNORE); with
 * one, a matching filter allows and anything else is denied (see {@link JwtAcl}); once the
 * token's {@code exp} has passed (no skew here), every check is DENY. Another connection with the
 * same client id and username (a takeover in progress) is denied while the grant is not its own.
 *
 * <p>Threads: authenticate and check run on event loops and never block; the keys are swapped
 * by the timer thread when the JWKS file changes. Tokens are never logged.
 */
final class JwtSource implements AuthSource, AclSource {
    private static final Logger log = LoggerFactory.getLogger(JwtSource.class);
    static final Duration SKEW = Duration.ofSeconds(30);

    /** What the source remembers of an allowed connection: its ACL (null: none) and the token's expiry (null: none). */
    record Grant(ClientInfo client, JwtAcl acl, Date expires) {
    }

    private final JwtKind.Settings settings;
    private final Supplier<JwtKeys> keys;
    private final Clock clock;
    private final Map<String, Grant> grants = new ConcurrentHashMap<>();

    JwtSource(JwtKind.Settings settings, Supplier<JwtKeys> keys, Clock clock) {
        this.settings = settings;
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "jwt";
    }

    // ---- authentication -----------------------------------------------------------------

    @Override
    public CompletionStage<AuthOutcome> authenticate(ClientInfo client, byte[] password) {
        String token = settings.fromUsername() ? client.username()
                : password == null ? null : new String(password, StandardCharsets.UTF_8);
        AuthOutcome outcome = AuthOutcome.IGNORE;
        try {
            SignedJWT jwt = token == null ? null : parse(token);
            if (jwt != null) {
                outcome = check(client, jwt);
            }
        } catch (Refused r) {
            log.info("client {} (user {}): JWT refused: {}", client.clientId(),
                    settings.fromUsername() ? "<the token>" : client.username(), r.getMessage());
            outcome = AuthOutcome.DENY;
        }
        // A connection refused or left to other sources leaves alone the grant of an older one
        // still connected: a stranger with a wrong password must not lift another's ACL.
        return CompletableFuture.completedFuture(outcome);
    }

    /**
     * A JWS in compact form; null when the value does not look like one (it is a password for
     * another source); Refused when it has a JWT header but cannot be read as a signed JWT
     * (an unsigned {@code alg: none} token, say).
     */
    static SignedJWT parse(String token) throws Refused {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
            return null;
        }
        Map<String, Object> header;
        try {
            header = JSONObjectUtils.parse(new Base64URL(token.substring(0, first)).decodeToString());
        } catch (ParseException | RuntimeException e) {
            return null;
        }
        if (!(header.get("alg") instanceof String)) {
            return null;
        }
        try {
            return SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new Refused("not a readable signed JWT (unsigned, or a malformed header or claims)");
        }
    }

    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why, null, false, false);
        }
    }

    private AuthOutcome check(ClientInfo client, SignedJWT jwt) throws Refused {
        if (!verified(jwt)) {
            throw new Refused("signature not verified by any configured key (alg "
                    + jwt.getHeader().getAlgorithm() + ")");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Refused("malformed claims");
        }
        Date now = Date.from(clock.instant());
        Date exp = claims.getExpirationTime();
        if (exp != null && now.getTime() > exp.getTime() + SKEW.toMillis()) {
            throw new Refused("expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.getTime() < nbf.getTime() - SKEW.toMillis()) {
            throw new Refused("not valid before " + nbf.toInstant());
        }
        if (settings.verifyClaims()) {
            for (Map.Entry<String, String> c : settings.claims().entrySet()) {
                String expected = switch (c.getValue()) {
                    case "%u" -> client.username();
                    case "%c" -> client.clientId();
                    default -> c.getValue();
                };
                Object actual = claims.getClaim(c.getKey());
                if (expected == null || actual == null || !expected.equals(String.valueOf(actual))) {
                    throw new Refused("claim '" + c.getKey() + "' does not match " + c.getValue());
                }
            }
        }
        JwtAcl acl = null;
        Object aclClaim = claims.getClaim(settings.aclClaim());
        if (aclClaim != null) {
            try {
                acl = JwtAcl.parse(aclClaim);
            } catch (IllegalArgumentException e) {
                throw new Refused("claim '" + settings.aclClaim() + "': " + e.getMessage());
            }
        }
        grants.put(who(client), new Grant(client, acl, exp));
        return AuthOutcome.allow(truthy(claims.getClaim("superuser")) || truthy(claims.getClaim("is_superuser")));
    }

    private boolean verified(SignedJWT jwt) {
        for (JwtKeys.Key k : keys.get().candidates(jwt.getHeader())) {
            try {
                if (jwt.verify(k.verifier())) {
                    return true;
                }
            } catch (JOSEException | IllegalStateException e) {
                // this key cannot check this token (length, curve): try the next
            }
        }
        return false;
    }

    private static boolean truthy(Object v) {
        return Boolean.TRUE.equals(v) || "true".equals(v) || (v instanceof Number n && n.longValue() == 1);
    }

    // ---- ACL ----------------------------------------------------------------------------

    /** A token's ACL ends at its exp: a cached ALLOW must not outlive it (and a check is a map lookup). */
    @Override
    public boolean cacheable() {
        return false;
    }

    @Override
    public CompletionStage<AclCheckEvent.Decision> check(ClientInfo client, AclCheckEvent.Action action, String topic) {
        Grant g = grants.get(who(client));
        if (g == null) {
            return CompletableFuture.completedFuture(AclCheckEvent.Decision.IGNORE);
        }
        if (!g.client().equals(client)) {
            // Another connection of this client id and user holds the grant (a takeover in
            // progress): deny rather than let this one fall through to acl_nomatch.
            return CompletableFuture.completedFuture(AclCheckEvent.Decision.DENY);
        }
        if (g.acl() == null) {
            return CompletableFuture.completedFuture(AclCheckEvent.Decision.IGNORE); // a token without ACL
        }
        if (g.expires() != null && clock.millis() >= g.expires().getTime()) {
            return CompletableFuture.completedFuture(AclCheckEvent.Decision.DENY);
        }
        return CompletableFuture.completedFuture(g.acl().allows(client, action, topic)
                ? AclCheckEvent.Decision.ALLOW : AclCheckEvent.Decision.DENY);
    }

    /** The client's connection ended (or was refused): its grant goes, unless a newer connection's replaced it. */
    void forget(ClientInfo client) {
        grants.computeIfPresent(who(client), (k, g) -> g.client().equals(client) ? null : g);
    }

    /**
     * Drops grants of connections that ended unseen (closed between authentication and CONNACK):
     * those whose token expired more than {@code grace} ago and whose client is not connected.
     * A connected client keeps its expired grant, which denies everything.
     */
    void sweep(Duration grace, java.util.function.Predicate<ClientInfo> connected) {
        long before = clock.millis() - grace.toMillis();
        grants.values().removeIf(g -> g.expires() != null && g.expires().getTime() < before
                && !connected.test(g.client()));
    }

    /** Clients with a remembered ACL (tests). */
    int grants() {
        return grants.size();
    }

    private static String who(ClientInfo c) {
        return c.clientId() + '\0' + (c.username() == null ? "" : c.username());
    }

    @Override
    public void close() {
        grants.clear();
    }
}
