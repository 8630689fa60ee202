package io.perch.auth.redis;

import io.perch.auth.hash.Pbkdf2;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import javax.crypto.Mac;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;

/**
 * {@code auth.redis.password_hash} as EMQ X 4's emqx_passwd reads it: {@code plain}, {@code md5},
 * {@code sha}, {@code sha256}, {@code sha512}, {@code bcrypt}; {@code salt,sha256} (the hash of
 * salt then password) and {@code sha256,salt} (password then salt); {@code pbkdf2,sha256,1000,20}
 * (mac, iterations, derived key length in bytes). Digests are stored as hex, compared
 * case-insensitively; every comparison takes the same time whatever matches. Immutable.
 */
final class PasswordHash {
    enum Algo { PLAIN, MD5, SHA, SHA256, SHA512, BCRYPT, PBKDF2 }

    enum Salt { NONE, BEFORE, AFTER }

    private static final BCrypt.Verifyer BCRYPT = BCrypt.verifyer(BCrypt.Version.VERSION_2A,
            // As the C bcrypt EMQ X uses: bytes past 72 do not count (the library's default refuses them).
            LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A));

    final Algo algo;
    final Salt salt;
    private final String mac;
    private final int iterations;
    private final int keyLength;

    private PasswordHash(Algo algo, Salt salt, String mac, int iterations, int keyLength) {
        this.algo = algo;
        this.salt = salt;
        this.mac = mac;
        this.iterations = iterations;
        this.keyLength = keyLength;
    }

    static PasswordHash of(Algo algo, Salt salt) {
        return new PasswordHash(algo, salt, null, 0, 0);
    }

    static PasswordHash pbkdf2(String macName, int iterations, int keyLength) {
        return new PasswordHash(Algo.PBKDF2, Salt.NONE, hmac(macName), iterations, keyLength);
    }

    static PasswordHash parse(ConfigEntry e) {
        String expected = "expected plain, md5, sha, sha256, sha512, bcrypt, salt,<hash>, <hash>,salt or "
                + "pbkdf2,<mac>,<iterations>,<dklen>, e.g. salt,sha256 or pbkdf2,sha256,1000,20";
        String[] parts = e.value().trim().toLowerCase(Locale.ROOT).split("\\s*,\\s*");
        try {
            switch (parts.length) {
                case 1:
                    return of(algo(parts[0]), Salt.NONE);
                case 2:
                    if (parts[0].equals("salt") && !parts[1].equals("salt")) {
                        return of(algo(parts[1]), Salt.BEFORE);
                    }
                    if (parts[1].equals("salt") && !parts[0].equals("salt")) {
                        Algo a = algo(parts[0]);
                        if (a == Algo.BCRYPT) {
                            throw new IllegalArgumentException("bcrypt takes its salt first: salt,bcrypt");
                        }
                        return of(a, Salt.AFTER);
                    }
                    throw new IllegalArgumentException(expected);
                case 4:
                    if (!parts[0].equals("pbkdf2")) {
                        throw new IllegalArgumentException(expected);
                    }
                    int iterations = positive(parts[2], "iterations");
                    int dklen = positive(parts[3], "dklen (derived key bytes)");
                    return pbkdf2(parts[1], iterations, dklen);
                default:
                    throw new IllegalArgumentException(expected);
            }
        } catch (IllegalArgumentException x) {
            throw new ConfigException(e, x.getMessage());
        }
    }

    private static Algo algo(String name) {
        return switch (name) {
            case "plain" -> Algo.PLAIN;
            case "md5" -> Algo.MD5;
            case "sha" -> Algo.SHA;
            case "sha256" -> Algo.SHA256;
            case "sha512" -> Algo.SHA512;
            case "bcrypt" -> Algo.BCRYPT;
            case "pbkdf2" -> throw new IllegalArgumentException("pbkdf2 needs its mac, iterations and dklen: "
                    + "pbkdf2,sha256,1000,20");
            default -> throw new IllegalArgumentException("unknown hash '" + name + "'; expected plain, md5, sha, "
                    + "sha256, sha512, bcrypt or pbkdf2,<mac>,<iterations>,<dklen>");
        };
    }

    private static String hmac(String mac) {
        String name = switch (mac) {
            case "md5" -> "HmacMD5";
            case "sha" -> "HmacSHA1";
            case "sha224" -> "HmacSHA224";
            case "sha256" -> "HmacSHA256";
            case "sha384" -> "HmacSHA384";
            case "sha512" -> "HmacSHA512";
            default -> throw new IllegalArgumentException("pbkdf2 mac '" + mac + "' is not supported; use sha, "
                    + "sha224, sha256, sha384, sha512 or md5");
        };
        try {
            Mac.getInstance(name);
        } catch (GeneralSecurityException x) {
            throw new IllegalArgumentException("this JVM has no " + name);
        }
        return name;
    }

    private static int positive(String v, String what) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("pbkdf2 " + what + " '" + v + "' is not a positive number");
    }

    /** Whether checking costs real CPU time (bcrypt, pbkdf2): then it runs off the I/O threads. */
    boolean slow() {
        return algo == Algo.BCRYPT || algo == Algo.PBKDF2;
    }

    /**
     * Whether {@code password} (as the client sent it; null counts as empty) matches
     * {@code stored}, the hash from Redis, with {@code saltValue} (null or empty when none).
     */
    boolean check(String stored, String saltValue, byte[] password) {
        byte[] pw = password == null ? new byte[0] : password;
        String s = saltValue == null ? "" : saltValue;
        switch (algo) {
            case PLAIN -> {
                return MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), salted(s, pw));
            }
            case BCRYPT -> {
                // The common case stores the whole bcrypt string; EMQ X's salt field, when there
                // is one, is the string's first 29 characters: put them back if they were split off.
                String full = stored.startsWith("$2") || s.isEmpty() ? stored : s + stored;
                return BCRYPT.verify(pw, full.getBytes(StandardCharsets.US_ASCII)).verified;
            }
            case PBKDF2 -> {
                return hexEquals(stored, pbkdf2(pw, s.getBytes(StandardCharsets.UTF_8)));
            }
            default -> {
                return hexEquals(stored, digest(salted(s, pw)));
            }
        }
    }

    private byte[] salted(String s, byte[] pw) {
        byte[] sb = s.getBytes(StandardCharsets.UTF_8);
        return switch (salt) {
            case NONE -> pw;
            case BEFORE -> concat(sb, pw);
            case AFTER -> concat(pw, sb);
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private byte[] digest(byte[] input) {
        String name = switch (algo) {
            case MD5 -> "MD5";
            case SHA -> "SHA-1";
            case SHA256 -> "SHA-256";
            default -> "SHA-512";
        };
        try {
            return MessageDigest.getInstance(name).digest(input);
        } catch (GeneralSecurityException x) {
            throw new IllegalStateException(x);
        }
    }

    byte[] pbkdf2(byte[] password, byte[] saltBytes) {
        return Pbkdf2.derive(mac, password, saltBytes, iterations, keyLength);
    }

    private static boolean hexEquals(String stored, byte[] computed) {
        byte[] want = stored.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(want, HexFormat.of().formatHex(computed).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return switch (algo) {
            case PBKDF2 -> "pbkdf2," + mac + "," + iterations + "," + keyLength;
            default -> switch (salt) {
                case NONE -> algo.name().toLowerCase(Locale.ROOT);
                case BEFORE -> "salt," + algo.name().toLowerCase(Locale.ROOT);
                case AFTER -> algo.name().toLowerCase(Locale.ROOT) + ",salt";
            };
        };
    }
}
