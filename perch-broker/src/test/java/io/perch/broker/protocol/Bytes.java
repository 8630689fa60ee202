package io.perch.broker.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Hand-building MQTT packets byte by byte: hex literals, and the few encodings (two-byte
 * lengths, variable byte integers, length-prefixed strings) that would be error-prone to
 * count by hand. Nothing here validates: the point is to build packets the broker must refuse.
 */
final class Bytes {
    private Bytes() {
    }

    /** "30 05 00 01" to bytes; spaces are ignored. */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    static String toHex(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    /** Concatenation. */
    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Single bytes, each 0..255. */
    static byte[] b(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] u16(int v) {
        return b(v >> 8 & 0xff, v & 0xff);
    }

    static byte[] u32(int v) {
        return b(v >>> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff);
    }

    /** MQTT variable byte integer (remaining length, property length, subscription identifier). */
    static byte[] vbi(int v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        do {
            int digit = v % 128;
            v /= 128;
            out.write(v > 0 ? digit | 0x80 : digit);
        } while (v > 0);
        return out.toByteArray();
    }

    /** A UTF-8 string with its two-byte length. */
    static byte[] str(String s) {
        return raw(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Arbitrary (possibly ill-formed UTF-8) bytes with their two-byte length. */
    static byte[] raw(byte[] content) {
        return cat(u16(content.length), content);
    }

    /** An MQTT 5 property block: its length, then the properties as given. */
    static byte[] props(byte[]... properties) {
        byte[] all = cat(properties);
        return cat(vbi(all.length), all);
    }

    /** A whole packet: first byte (type and flags), remaining length, then the body. */
    static byte[] packet(int firstByte, byte[]... body) {
        byte[] all = cat(body);
        return cat(b(firstByte), vbi(all.length), all);
    }
}
