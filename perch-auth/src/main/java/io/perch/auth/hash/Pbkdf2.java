package io.perch.auth.hash;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * PBKDF2 (RFC 8018) over a password's bytes with any JDK HMAC: Mosquitto's {@code $7$}
 * (HmacSHA512), SCRAM-SHA-256's SaltedPassword (HmacSHA256) and EMQ X's
 * {@code pbkdf2,<mac>,...}. Written on {@link Mac} because the JDK's key factory takes a char
 * password and re-encodes it, while an MQTT password is bytes. Stateless.
 */
public final class Pbkdf2 {
    private Pbkdf2() {
    }

    /** @param hmac a JDK Mac name, e.g. {@code HmacSHA512} */
    public static byte[] derive(String hmac, byte[] password, byte[] salt, int iterations, int keyBytes) {
        try {
            Mac prf = Mac.getInstance(hmac);
            // HMAC pads a short key with zeros, so one zero byte is the empty key SecretKeySpec refuses.
            prf.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, hmac));
            int hLen = prf.getMacLength();
            byte[] out = new byte[keyBytes];
            for (int block = 1, off = 0; off < keyBytes; block++, off += hLen) {
                prf.update(salt);
                prf.update(new byte[]{(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
                byte[] u = prf.doFinal();
                byte[] t = u.clone();
                for (int i = 1; i < iterations; i++) {
                    u = prf.doFinal(u);
                    for (int j = 0; j < t.length; j++) {
                        t[j] ^= u[j];
                    }
                }
                System.arraycopy(t, 0, out, off, Math.min(hLen, keyBytes - off));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hmac + " is not available in this JRE", e);
        }
    }
}
