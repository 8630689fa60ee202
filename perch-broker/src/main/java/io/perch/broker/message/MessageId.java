package io.perch.broker.message;

/**
 * A 128-bit time-ordered message id: the high 64 bits are the publish time in microseconds,
 * the low 64 bits a 48-bit node hash then a 16-bit sequence (the layout of EMQ X's GUIDs).
 * Ids from one node sort by publish time; text encodings live with the backends that need them.
 */
public record MessageId(long hi, long lo) implements Comparable<MessageId> {

    public long timestampMicros() {
        return hi;
    }

    @Override
    public int compareTo(MessageId o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    public byte[] toBytes() {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    public static MessageId fromBytes(byte[] b) {
        long h = 0;
        long l = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (b[i] & 0xff);
            l = (l << 8) | (b[8 + i] & 0xff);
        }
        return new MessageId(h, l);
    }
}
