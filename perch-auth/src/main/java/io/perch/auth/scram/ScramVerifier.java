package io.perch.auth.scram;

import io.perch.auth.hash.Pbkdf2;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A SCRAM-SHA-256 verifier (RFC 5802, RFC 7677): salt, iteration count, StoredKey and
 * ServerKey, written as PostgreSQL writes them:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} (base64). It proves a
 * SCRAM exchange and also checks a plain CONNECT password, so one password-file line serves both.
 * Immutable.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    public static final String PREFIX = "SCRAM-SHA-256$";
    /** RFC 7677 asks for at least 4096. */
    public static final int DEFAULT_ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    public static boolean looksLikeOne(String stored) {
        return stored.startsWith(PREFIX);
    }

    public static ScramVerifier parse(String stored) {
        if (!looksLikeOne(stored)) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier");
        }
        String[] halves = stored.substring(PREFIX.length()).split("\\$", -1);
        if (halves.length != 2) {
            throw new IllegalArgumentException("a SCRAM-SHA-256 verifier is SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey");
        }
        String[] a = halves[0].split(":", -1);
        String[] b = halves[1].split(":", -1);
        if (a.length != 2 || b.length != 2) {
            throw new IllegalArgumentException("a SCRAM-SHA-256 verifier is SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey");
        }
        try {
            Base64.Decoder d = Base64.getDecoder();
            int iterations = Integer.parseInt(a[0]);
            if (iterations < 1) {
                throw new IllegalArgumentException("the iteration count must be at least 1");
            }
            return new ScramVerifier(iterations, d.decode(a[1]), d.decode(b[0]), d.decode(b[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the iteration count is not a number");
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("the iteration")) {
                throw e;
            }
            throw new IllegalArgumentException("salt or keys are not valid base64");
        }
    }

    /** A verifier for {@code password} with a fresh random salt. */
    public static ScramVerifier of(byte[] password, int iterations) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return of(password, salt, iterations);
    }

    static ScramVerifier of(byte[] password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        return new ScramVerifier(iterations, salt, sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
    }

    public String format() {
        Base64.Encoder e = Base64.getEncoder();
        return PREFIX + iterations + ":" + e.encodeToString(salt) + "$" + e.encodeToString(storedKey) + ":"
                + e.encodeToString(serverKey);
    }

    /** Whether a plain password is the one this verifier was made from (constant time). */
    public boolean verifyPlain(byte[] password) {
        byte[] salted = saltedPassword(password, salt, iterations);
        return MessageDigest.isEqual(sha256(hmac(salted, "Client Key")), storedKey);
    }

    /**
     * SaltedPassword = Hi(password, salt, i), PBKDF2 with HMAC-SHA-256 (RFC 5802 2.2). The
     * password should be SASLprep-normalised; ASCII passwords are unaffected, others are used as
     * their UTF-8 bytes (documented in the README).
     */
    static byte[] saltedPassword(byte[] password, byte[] salt, int iterations) {
        return Pbkdf2.derive("HmacSHA256", password, salt, iterations, 32);
    }

    static byte[] hmac(byte[] key, String text) {
        return hmac(key, text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            return mac(key).doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JRE", e);
        }
    }

    private static Mac mac(byte[] key) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available in this JRE", e);
        }
    }

    /** Never print keys. */
    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramVerifier v && v.iterations == iterations && MessageDigest.isEqual(v.salt, salt)
                && MessageDigest.isEqual(v.storedKey, storedKey) && MessageDigest.isEqual(v.serverKey, serverKey);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(storedKey);
    }
}
