package io.perch.broker.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Splits what the broker wrote into whole MQTT packets, by fixed header and remaining length. */
public final class Frames {
    private Frames() {
    }

    public static List<byte[]> split(byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        while (i < stream.length) {
            int start = i++;
            int len = 0;
            int mult = 1;
            int digit;
            do {
                if (i >= stream.length) {
                    throw new AssertionError("broker wrote a truncated fixed header: " + Bytes.toHex(stream));
                }
                digit = stream[i++] & 0xff;
                len += (digit & 0x7f) * mult;
                mult *= 128;
            } while ((digit & 0x80) != 0);
            if (i + len > stream.length) {
                throw new AssertionError("broker wrote a truncated packet: " + Bytes.toHex(stream));
            }
            i += len;
            out.add(Arrays.copyOfRange(stream, start, i));
        }
        return out;
    }

    /** The packet type (high nibble of the first byte). */
    static int type(byte[] packet) {
        return (packet[0] & 0xff) >> 4;
    }
}
