package io.perch.auth.file;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
        byte[] actual = h.kind() == 7 ? pbkdf2(password, h.salt(), h.iterations(), h.digest().length)
                : sha512(password, h.salt());
        return MessageDigest.isEqual(actual, h.digest());
    }

    /** A new {@code $7$} hash with a random salt. */
    public static String hash7(byte[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder enc = Base64.getEncoder();
        return "$7$" + iterations + "$" + enc.encodeToString(salt) + "$"
                + enc.encodeToString(pbkdf2(password, salt, iterations, KEY_BYTES));
    }

    /**
     * PBKDF2-HMAC-SHA512 over the password's bytes as sent (an MQTT password is binary data;
     * the JDK's PBKDF2 key factory takes chars and would re-encode it).
     */
    static byte[] pbkdf2(byte[] password, byte[] salt, int iterations, int keyBytes) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            // HMAC pads a short key with zeros to the block size, so an empty password is that zero
            // block (SecretKeySpec refuses an empty key).
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[128] : password, "HmacSHA512"));
            int hLen = mac.getMacLength();
            byte[] out = new byte[keyBytes];
            for (int block = 1, off = 0; off < keyBytes; block++, off += hLen) {
                mac.update(salt);
                mac.update(new byte[]{(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
                byte[] u = mac.doFinal();
                byte[] t = u.clone();
                for (int i = 1; i < iterations; i++) {
                    u = mac.doFinal(u);
                    for (int j = 0; j < t.length; j++) {
                        t[j] ^= u[j];
                    }
                }
                System.arraycopy(t, 0, out, off, Math.min(hLen, keyBytes - off));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA512 is not available in this JRE", e);
        }
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
