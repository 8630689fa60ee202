package io.perch.redis.codec;

import io.perch.broker.message.MessageId;

import java.math.BigInteger;

/**
 * The seed's message id text: the 128-bit id as one unsigned integer written in base 62
 * (digits, then A-Z, then a-z: ASCII order), left-padded to 20 characters. Ids made from the
 * publish time in microseconds need 20 characters until the year 3175, so the text has a fixed
 * width and sorts by time as a plain string, which is what makes ZRANGE on equal scores and
 * string comparisons in Lua agree with publish order.
 */
public final class Base62Id {
    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    public static final int WIDTH = 20;
    private static final BigInteger BASE = BigInteger.valueOf(62);
    private static final BigInteger MAX = BigInteger.ONE.shiftLeft(128);

    private Base62Id() {
    }

    /**
     * Long division of the 128-bit value, held as four 32-bit limbs, by 62 until it is zero: no
     * BigInteger on the publish path (this runs once per stored message).
     */
    public static String encode(MessageId id) {
        long[] limbs = Ids.limbs(id);
        char[] out = new char[22];
        int pos = out.length;
        while (!Ids.isZero(limbs)) {
            out[--pos] = ALPHABET.charAt((int) Ids.divide(limbs, 62));
        }
        int start = Math.min(pos, out.length - WIDTH);
        for (int i = start; i < pos; i++) {
            out[i] = '0';
        }
        return new String(out, start, out.length - start);
    }

    /** Decodes base-62 text of any width up to 22 characters; throws IllegalArgumentException otherwise. */
    public static MessageId decode(String text) {
        if (text.isEmpty() || text.length() > 22) {
            throw new IllegalArgumentException("not a base62 id: length " + text.length());
        }
        BigInteger n = BigInteger.ZERO;
        for (int i = 0; i < text.length(); i++) {
            int v = ALPHABET.indexOf(text.charAt(i));
            if (v < 0) {
                throw new IllegalArgumentException("not a base62 id: character '" + text.charAt(i) + "'");
            }
            n = n.multiply(BASE).add(BigInteger.valueOf(v));
        }
        if (n.compareTo(MAX) >= 0) {
            throw new IllegalArgumentException("not a base62 id: more than 128 bits");
        }
        return Ids.fromUnsigned(n);
    }
}
