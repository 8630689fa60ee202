package io.perch.dashboard.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's one user: HTTP Basic credentials, or a bearer token from
 * {@code POST /api/v4/auth}. Tokens are random, live in memory for {@link #TOKEN_TTL} and die
 * with the process (logging in again is cheap). Comparisons are constant-time.
 */
public final class Auth {
    static final Duration TOKEN_TTL = Duration.ofHours(12);

    private final String login;
    private final byte[] password;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> tokens = new ConcurrentHashMap<>();
    private final Clock clock;

    public Auth(String login, String password, Clock clock) {
        this.login = login;
        this.password = password.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    public boolean check(String user, String pass) {
        return user != null && pass != null
                && MessageDigest.isEqual(login.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8))
                && MessageDigest.isEqual(password, pass.getBytes(StandardCharsets.UTF_8));
    }

    /** A new bearer token, valid for {@link #TOKEN_TTL}. */
    public String issueToken() {
        byte[] b = new byte[24];
        random.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        long now = clock.millis();
        tokens.values().removeIf(expiry -> expiry < now);
        tokens.put(token, now + TOKEN_TTL.toMillis());
        return token;
    }

    public void revoke(String token) {
        tokens.remove(token);
    }

    /** True for valid {@code Basic} credentials or a live {@code Bearer} token. */
    public boolean authorized(String header) {
        if (header == null) {
            return false;
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return false;
            }
            int colon = decoded.indexOf(':');
            return colon >= 0 && check(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            Long expiry = tokens.get(header.substring(7).trim());
            return expiry != null && expiry >= clock.millis();
        }
        return false;
    }
}
