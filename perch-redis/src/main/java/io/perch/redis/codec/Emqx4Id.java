package io.perch.redis.codec;

import io.perch.broker.message.MessageId;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The id text EMQ X 4.x writes (compat mode {@code emqx4}): the decimal text of the 128-bit id,
 * its bytes cut into 6-bit groups, each group one character of A-Z a-z 0-8 (values 0..60) or
 * the pairs 9A 9B 9C (61..63). A trailing group of fewer than 6 bits is written as its value,
 * unshifted, so a reader takes from the last character only the bits that complete the final
 * byte. Today's ids have 35 decimal digits, hence 47 characters.
 */
public final class Emqx4Id {
    private Emqx4Id() {
    }

    public static String encode(MessageId id) {
        byte[] digits = decimal(id);
        StringBuilder out = new StringBuilder(digits.length * 4 / 3 + 2);
        int acc = 0;
        int bits = 0;
        for (byte b : digits) {
            acc = (acc << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 6) {
                bits -= 6;
                appendChar(out, (acc >>> bits) & 0x3f);
            }
            acc &= (1 << bits) - 1;
        }
        if (bits > 0) {
            appendChar(out, acc);
        }
        return out.toString();
    }

    private static final long BILLION = 1_000_000_000L;

    /**
     * The unsigned decimal text of the 128-bit id, as ASCII: long division by 10^9
     * ({@link Ids#divide}), nine digits a round. It runs for every stored or forwarded message,
     * where building BigIntegers from strings and printing one was a sixth of the publishing
     * node's CPU samples in a cluster hop (JFR).
     */
    static byte[] decimal(MessageId id) {
        long[] limbs = Ids.limbs(id);
        int[] chunks = new int[5]; // 2^128 < 10^45: at most five chunks of nine digits
        int n = 0;
        while (!Ids.isZero(limbs)) {
            chunks[n++] = (int) Ids.divide(limbs, BILLION);
        }
        if (n == 0) {
            return new byte[]{'0'};
        }
        String top = Integer.toString(chunks[n - 1]);
        byte[] out = new byte[top.length() + 9 * (n - 1)];
        int pos = 0;
        for (int i = 0; i < top.length(); i++) {
            out[pos++] = (byte) top.charAt(i);
        }
        for (int c = n - 2; c >= 0; c--) {
            int v = chunks[c];
            for (int i = pos + 8; i >= pos; i--) {
                out[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            pos += 9;
        }
        return out;
    }

    private static void appendChar(StringBuilder out, int v) {
        if (v < 26) {
            out.append((char) ('A' + v));
        } else if (v < 52) {
            out.append((char) ('a' + v - 26));
        } else if (v < 61) {
            out.append((char) ('0' + v - 52));
        } else {
            out.append('9').append((char) ('A' + v - 61));
        }
    }

    public static MessageId decode(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(40);
        int acc = 0;
        int bits = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i++);
            int v;
            if (c == '9') {
                if (i >= text.length()) {
                    throw new IllegalArgumentException("not an emqx4 id: dangling '9'");
                }
                char d = text.charAt(i++);
                if (d < 'A' || d > 'C') {
                    throw new IllegalArgumentException("not an emqx4 id: bad escape");
                }
                v = 61 + d - 'A';
            } else {
                v = value(c);
            }
            boolean last = i >= text.length();
            int width = last && bits > 0 ? 8 - bits : 6;
            if (last && bits == 0) {
                width = 6;
            }
            acc = (acc << width) | (v & ((1 << width) - 1));
            bits += width;
            if (bits >= 8) {
                bits -= 8;
                bytes.write((acc >>> bits) & 0xff);
                acc &= (1 << bits) - 1;
            }
        }
        if (bits != 0) {
            throw new IllegalArgumentException("not an emqx4 id: trailing bits");
        }
        String decimal = bytes.toString(StandardCharsets.US_ASCII);
        if (decimal.isEmpty() || !decimal.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new IllegalArgumentException("not an emqx4 id: not decimal");
        }
        BigInteger n = new BigInteger(decimal);
        if (n.bitLength() > 128) {
            throw new IllegalArgumentException("not an emqx4 id: more than 128 bits");
        }
        return Ids.fromUnsigned(n);
    }

    private static int value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return 26 + c - 'a';
        }
        if (c >= '0' && c <= '8') {
            return 52 + c - '0';
        }
        throw new IllegalArgumentException("not an emqx4 id: character '" + c + "'");
    }
}
