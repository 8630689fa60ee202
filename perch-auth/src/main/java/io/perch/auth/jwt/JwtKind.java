package io.perch.auth.jwt;

import io.perch.auth.spi.SourceKind;
import io.perch.auth.spi.Sources;
import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code jwt} source kind: EMQ X 4's emqx_auth_jwt keys.
 * <pre>
 * auth.jwt.secret = ...                    HMAC secret (HS256/384/512), at least 32 bytes
 * auth.jwt.pubkey = etc/jwt_public_key.pem RSA or EC public key (or certificate), PEM
 * auth.jwt.jwks = etc/jwks.json            a local JWK set file, re-read when it changes
 * auth.jwt.jwks.refresh_interval = 5s      how often the JWKS file is checked for changes
 * auth.jwt.from = password | username      where the token is (default password)
 * auth.jwt.verify_claims = on | off        check the claims below (default off)
 * auth.jwt.verify_claims.&lt;claim&gt; = value  the claim must equal value; %u username, %c client id
 * auth.jwt.acl_claim_name = acl            the claim holding the client's ACL
 * </pre>
 * At least one of secret, pubkey and jwks turns the source on; any other key without them is
 * an error. Relative files resolve against the Perch home.
 */
public final class JwtKind implements SourceKind {
    private static final Logger log = LoggerFactory.getLogger(JwtKind.class);
    static final String P = "auth.jwt.";
    private static final String CLAIM = P + "verify_claims.";
    private static final List<String> KEYS = List.of(P + "secret", P + "pubkey", P + "jwks",
            P + "jwks.refresh_interval", P + "from", P + "verify_claims", CLAIM + "<claim>", P + "acl_claim_name");
    /** HS256 needs a key of at least 256 bits (RFC 7518 section 3.2); nimbus enforces it. */
    static final int MIN_SECRET_BYTES = 32;

    /**
     * What the keys say. {@code secret}, {@code pubkey} and {@code jwks} are the lines (null when
     * absent) so that a file found wrong at start is reported with its line.
     */
    record Settings(ConfigEntry secret, ConfigEntry pubkey, ConfigEntry jwks, Duration jwksRefresh,
                    boolean fromUsername, boolean verifyClaims, Map<String, String> claims, String aclClaim) {
    }

    @Override
    public String name() {
        return "jwt";
    }

    @Override
    public List<String> prefixes() {
        return List.of(P);
    }

    @Override
    public Sources configure(List<ConfigEntry> entries) {
        if (entries.isEmpty()) {
            return null;
        }
        ConfigEntry secret = null;
        ConfigEntry pubkey = null;
        ConfigEntry jwks = null;
        Duration refresh = Duration.ofSeconds(5);
        boolean fromUsername = false;
        ConfigEntry verifyClaims = null;
        boolean verify = false;
        Map<String, String> claims = new LinkedHashMap<>();
        ConfigEntry firstClaim = null;
        String aclClaim = "acl";
        for (ConfigEntry e : entries) {
            String v = e.value().trim();
            switch (e.key()) {
                case P + "secret" -> {
                    if (e.value().getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                        // Not ConfigException(e, ...): that prints the value, here the secret.
                        throw new ConfigException(e.where() + ": " + e.key() + ": an HMAC secret must be at least "
                                + MIN_SECRET_BYTES
                                + " bytes (256 bits, RFC 7518 section 3.2); use a longer random secret, e.g. "
                                + "from `openssl rand -base64 48`");
                    }
                    secret = e;
                }
                case P + "pubkey" -> pubkey = nonEmpty(e, "the path of a PEM file with an RSA or EC public key");
                case P + "jwks" -> {
                    nonEmpty(e, "the path of a JWK set file");
                    if (v.contains("://")) {
                        throw new ConfigException(e, "only a local JWK set file is supported, not a URL; fetch "
                                + "the set into a file (e.g. with curl from cron) and name the file: Perch re-reads "
                                + "it when it changes");
                    }
                    jwks = e;
                }
                case P + "jwks.refresh_interval" -> {
                    refresh = ConfigDurations.parse(e);
                    if (refresh.toMillis() < 100) {
                        throw new ConfigException(e, "expected at least 100ms, e.g. 5s");
                    }
                }
                case P + "from" -> fromUsername = switch (v) {
                    case "password" -> false;
                    case "username" -> true;
                    default -> throw new ConfigException(e, "expected password or username");
                };
                case P + "verify_claims" -> {
                    verifyClaims = e;
                    verify = switch (v) {
                        case "on", "true" -> true;
                        case "off", "false" -> false;
                        default -> throw new ConfigException(e, "expected on or off");
                    };
                }
                case P + "acl_claim_name" -> aclClaim = nonEmpty(e, "a claim name, e.g. acl").value().trim();
                default -> {
                    if (!e.key().startsWith(CLAIM) || e.key().length() == CLAIM.length()) {
                        throw new ConfigException(e, "unknown key; the JWT keys are " + String.join(", ", KEYS));
                    }
                    nonEmpty(e, "the value the claim must have: text, %u (username) or %c (client id)");
                    claims.put(e.key().substring(CLAIM.length()), v);
                    firstClaim = firstClaim == null ? e : firstClaim;
                }
            }
        }
        if (secret == null && pubkey == null && jwks == null) {
            throw new ConfigException(entries.get(0), "the JWT source needs a key to verify tokens with; set "
                    + P + "secret, " + P + "pubkey or " + P + "jwks (or remove the " + P + "* lines)");
        }
        if (verify && claims.isEmpty()) {
            throw new ConfigException(verifyClaims, "no claims to verify; add lines such as "
                    + CLAIM + "username = %u, or set it off");
        }
        if (!verify && firstClaim != null) {
            log.warn("{}: {} is set but {}verify_claims is not on: claims are not checked", firstClaim.where(),
                    firstClaim.key(), P);
        }
        return new JwtSources(new Settings(secret, pubkey, jwks, refresh, fromUsername, verify, java.util.Collections.unmodifiableMap(claims),
                aclClaim));
    }

    private static ConfigEntry nonEmpty(ConfigEntry e, String expected) {
        if (e.value().isBlank()) {
            throw new ConfigException(e, "expected " + expected);
        }
        return e;
    }
}
