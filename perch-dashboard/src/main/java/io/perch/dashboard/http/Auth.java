package io.perch.dashboard.http;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's one user: HTTP Basic credentials, or a bearer token from
 * {@code POST /api/v4/auth}. Tokens are random, live in memory for the configured TTL
 * ({@code dashboard.token_ttl}) and die with the process or a password change (logging in
 * again is cheap). The password itself is only held as a hash ({@link AdminPassword}).
 */
public final class Auth {
    /** What an Authorization header amounted to. */
    public enum Outcome { NONE, OK, BAD_BASIC, BAD_TOKEN }

    private final AdminPassword admin;
    private final Duration tokenTtl;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> tokens = new ConcurrentHashMap<>();
    private final Clock clock;

    public Auth(AdminPassword admin, Duration tokenTtl, Clock clock) {
        this.admin = admin;
        this.tokenTtl = tokenTtl;
        this.clock = clock;
    }

    public AdminPassword admin() {
        return admin;
    }

    public boolean check(String user, String pass) {
        return admin.check(user, pass);
    }

    /** A new bearer token, valid for the token TTL. */
    public String issueToken() {
        byte[] b = new byte[24];
        random.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        long now = clock.millis();
        tokens.values().removeIf(expiry -> expiry <= now);
        tokens.put(token, now + tokenTtl.toMillis());
        return token;
    }

    public void revoke(String token) {
        tokens.remove(token);
    }

    /** Changes the password (see {@link AdminPassword#change}) and revokes every token. */
    public void changePassword(String user, String oldPassword, String newPassword) {
        admin.change(user, oldPassword, newPassword);
        tokens.clear();
    }

    /** True for valid {@code Basic} credentials or a live {@code Bearer} token. */
    public boolean authorized(String header) {
        return check(header) == Outcome.OK;
    }

    public Outcome check(String header) {
        if (header == null) {
            return Outcome.NONE;
        }
        if (isBasic(header)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Outcome.BAD_BASIC;
            }
            int colon = decoded.indexOf(':');
            return colon >= 0 && check(decoded.substring(0, colon), decoded.substring(colon + 1)) ? Outcome.OK : Outcome.BAD_BASIC;
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = header.substring(7).trim();
            Long expiry = tokens.get(token);
            if (expiry != null && expiry > clock.millis()) {
                return Outcome.OK;
            }
            if (expiry != null) {
                tokens.remove(token);
            }
            return Outcome.BAD_TOKEN;
        }
        return Outcome.NONE;
    }

    public static boolean isBasic(String header) {
        return header != null && header.regionMatches(true, 0, "Basic ", 0, 6);
    }
}
