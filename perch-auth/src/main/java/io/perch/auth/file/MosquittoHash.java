package io.perch.auth.file;

import io.perch.auth.hash.Pbkdf2;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Password hashes as {@code mosquitto_passwd} writes them: {@code $7$iterations$salt$hash}
 * (PBKDF2-HMAC-SHA512, 64-byte key; Mosquitto 2) and {@code $6$salt$hash} (SHA-512 of password
 * then salt; Mosquitto 1.x), salt and hash in standard base64. Stateless.
 */
public final class MosquittoHash {
    /** Mosquitto writes 101 iterations; Perch writes more (a CONNECT verifies one in about a millisecond). */
    public static final int DEFAULT_ITERATIONS = 1000;
    private static final int SALT_BYTES = 12;
    private static final int KEY_BYTES = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private MosquittoHash() {
    }

    /** A parsed hash: the kind, the iterations ($7$ only), salt and expected digest. */
    public record Parsed(int kind, int iterations, byte[] salt, byte[] digest) {
    }

    /**
     * Parses a stored hash; throws IllegalArgumentException saying what is wrong (never
     * echoing the hash).
     */
    public static Parsed parse(String stored) {
        String[] p = stored.split("\\$", -1);
        // "$7$101$salt$hash" splits into "", "7", "101", "salt", "hash"
        try {
            if (p.length == 5 && p[0].isEmpty() && p[1].equals("7")) {
                int iterations = Integer.parseInt(p[2]);
                if (iterations < 1) {
                    throw new IllegalArgumentException("iterations must be at least 1");
                }
                return new Parsed(7, iterations, b64(p[3]), b64(p[4]));
            }
            if (p.length == 4 && p[0].isEmpty() && p[1].equals("6")) {
                return new Parsed(6, 0, b64(p[2]), b64(p[3]));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the iteration count is not a number");
        }
        if (stored.startsWith("$argon2")) {
            throw new IllegalArgumentException("argon2id hashes (Mosquitto 2.1) are not supported yet; "
                    + "re-hash with bin/perch passwd or mosquitto_passwd 2.0");
        }
        throw new IllegalArgumentException("not a mosquitto_passwd hash ($7$iterations$salt$hash or $6$salt$hash); "
                + "a plain-text password must be hashed first (bin/perch passwd, or mosquitto_passwd -U)");
    }

    private static byte[] b64(String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("salt or hash is not valid base64");
        }
    }

    /** Whether {@code password} is the one {@code h} was made from; constant time in the digest. */
    public static boolean verify(Parsed h, byte[] password) {
        byte[] actual = h.kind() == 7 ? Pbkdf2.derive("HmacSHA512", password, h.salt(), h.iterations(), h.digest().length)
                : sha512(password, h.salt());
        return MessageDigest.isEqual(actual, h.digest());
    }

    /** A new {@code $7$} hash with a random salt. */
    public static String hash7(byte[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder enc = Base64.getEncoder();
        return "$7$" + iterations + "$" + enc.encodeToString(salt) + "$"
                + enc.encodeToString(Pbkdf2.derive("HmacSHA512", password, salt, iterations, KEY_BYTES));
    }

    static byte[] sha512(byte[] password, byte[] salt) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            md.update(password);
            md.update(salt);
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-512 is not available in this JRE", e);
        }
    }
}
