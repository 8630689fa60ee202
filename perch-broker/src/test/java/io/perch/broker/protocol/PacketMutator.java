package io.perch.broker.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of a valid packet sequence, for the fuzzer: bit flips, random bytes,
 * truncation, tampered remaining lengths, inserted or deleted bytes, changed packet types,
 * reordered, duplicated or dropped packets, trailing garbage. Mutations mostly hit packets
 * after the CONNECT, so that most inputs get past the handshake into the session.
 */
final class PacketMutator {
    /** The mutated byte stream and a readable account of what was done, for failure messages. */
    record Mutation(byte[] bytes, String description) {
    }

    private final Random rnd;

    PacketMutator(Random rnd) {
        this.rnd = rnd;
    }

    Mutation mutate(byte[][] packets) {
        List<byte[]> list = new ArrayList<>(Arrays.asList(packets));
        StringBuilder how = new StringBuilder();
        int rounds = 1 + rnd.nextInt(3);
        byte[] stream = null;
        for (int r = 0; r < rounds && stream == null; r++) {
            int i = pick(list.size());
            byte[] p = list.get(i);
            if (p.length == 0) {
                continue; // a packet dropped by an earlier round
            }
            switch (rnd.nextInt(10)) {
                case 0 -> {
                    int bits = 1 + rnd.nextInt(4);
                    for (int k = 0; k < bits; k++) {
                        int at = rnd.nextInt(p.length * 8);
                        p = p.clone();
                        p[at / 8] ^= (byte) (1 << (at % 8));
                        how.append(" flip bit ").append(at).append(" of #").append(i);
                    }
                }
                case 1 -> {
                    p = p.clone();
                    int at = rnd.nextInt(p.length);
                    p[at] = (byte) rnd.nextInt(256);
                    how.append(" byte ").append(at).append(" of #").append(i).append(" := ").append(p[at] & 0xff);
                }
                case 2 -> {
                    stream = Bytes.cat(list.toArray(byte[][]::new));
                    int cut = rnd.nextInt(stream.length);
                    stream = Arrays.copyOf(stream, cut);
                    how.append(" truncate stream at ").append(cut);
                }
                case 3 -> {
                    p = tamperLength(p);
                    how.append(" remaining length of #").append(i).append(" -> ").append(Bytes.toHex(header(p)));
                }
                case 4 -> {
                    if (p.length > 2) {
                        int from = 1 + rnd.nextInt(p.length - 1);
                        int to = Math.min(p.length, from + 1 + rnd.nextInt(8));
                        p = Bytes.cat(Arrays.copyOfRange(p, 0, from), Arrays.copyOfRange(p, to, p.length));
                        how.append(" delete bytes ").append(from).append("..").append(to).append(" of #").append(i);
                    }
                }
                case 5 -> {
                    int at = rnd.nextInt(p.length + 1);
                    byte[] junk = random(1 + rnd.nextInt(8));
                    p = Bytes.cat(Arrays.copyOfRange(p, 0, at), junk, Arrays.copyOfRange(p, at, p.length));
                    how.append(" insert ").append(Bytes.toHex(junk)).append(" at ").append(at).append(" of #").append(i);
                }
                case 6 -> {
                    p = p.clone();
                    p[0] = (byte) rnd.nextInt(256);
                    how.append(" first byte of #").append(i).append(" := ").append(p[0] & 0xff);
                }
                case 7 -> {
                    int j = pick(list.size());
                    byte[] other = list.get(j);
                    list.set(j, p);
                    p = other;
                    how.append(" swap #").append(i).append(" and #").append(j);
                }
                case 8 -> {
                    if (rnd.nextBoolean()) {
                        list.add(i, p);
                        how.append(" duplicate #").append(i);
                    } else {
                        p = new byte[0];
                        how.append(" drop #").append(i);
                    }
                }
                default -> {
                    byte[] junk = random(1 + rnd.nextInt(16));
                    list.add(junk);
                    how.append(" append ").append(Bytes.toHex(junk));
                }
            }
            if (stream == null && i < list.size()) {
                list.set(i, p);
            }
        }
        if (stream == null) {
            stream = Bytes.cat(list.toArray(byte[][]::new));
        }
        return new Mutation(stream, how.toString().trim());
    }

    /** Mostly a packet after the CONNECT (index 0). */
    private int pick(int size) {
        return size > 1 && rnd.nextInt(5) > 0 ? 1 + rnd.nextInt(size - 1) : rnd.nextInt(size);
    }

    private byte[] random(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** Replaces the remaining length: off by a little, any value, or five length bytes. */
    private byte[] tamperLength(byte[] p) {
        int headerLen = header(p).length;
        int real = p.length - headerLen;
        byte[] len = switch (rnd.nextInt(4)) {
            case 0 -> Bytes.vbi(Math.max(0, real + rnd.nextInt(7) - 3));
            case 1 -> Bytes.vbi(rnd.nextInt(200));
            case 2 -> Bytes.vbi(rnd.nextInt(268_435_455));
            default -> Bytes.hex("FF FF FF FF 01");
        };
        return Bytes.cat(new byte[] {p[0]}, len, Arrays.copyOfRange(p, headerLen, p.length));
    }

    /** First byte and remaining-length bytes of a packet (as far as they go). */
    private static byte[] header(byte[] p) {
        int i = 1;
        while (i < p.length && i < 5 && (p[i] & 0x80) != 0) {
            i++;
        }
        return Arrays.copyOf(p, Math.min(p.length, i + 1));
    }
}
