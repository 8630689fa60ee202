package io.perch.bench.payload;

import io.netty.buffer.ByteBuf;

/**
 * The header every bench payload starts with, so a subscriber can measure latency and find
 * lost, duplicated and reordered messages without any side channel.
 *
 * <pre>
 *  offset size  field
 *  0      1     magic 'P' (0x50): lets a subscriber skip messages that are not ours
 *  1      1     layout version (1)
 *  2      8     send time, System.nanoTime() of the publishing process
 *  10     4     publisher index (0-based within the publishing process)
 *  14     8     sequence number within that publisher (0-based)
 *  22     ...   zero padding up to the configured payload size
 * </pre>
 *
 * System.nanoTime() is CLOCK_MONOTONIC on Linux, one clock for every process of the host, so
 * latency is exact in {@code pubsub} mode and still meaningful for {@code pub} and {@code sub}
 * run as two processes on one machine; across machines it is meaningless (negative values
 * are dropped by the receiver).
 */
public final class Stamp {
    public static final int SIZE = 22;
    public static final byte MAGIC = 0x50;
    public static final byte VERSION = 1;

    private Stamp() {
    }

    /** Writes header and padding: {@code size} bytes in all, {@code size >= SIZE}. */
    public static void write(ByteBuf out, int size, long sendNanos, int publisher, long sequence) {
        if (size < SIZE) {
            throw new IllegalArgumentException("payload size " + size + " is below the stamp size " + SIZE);
        }
        out.writeByte(MAGIC);
        out.writeByte(VERSION);
        out.writeLong(sendNanos);
        out.writeInt(publisher);
        out.writeLong(sequence);
        out.writeZero(size - SIZE);
    }

    /** True when the readable bytes of {@code in} start with a stamp this version understands. */
    public static boolean isStamped(ByteBuf in) {
        int at = in.readerIndex();
        return in.readableBytes() >= SIZE && in.getByte(at) == MAGIC && in.getByte(at + 1) == VERSION;
    }

    // Absolute reads: the receiver looks at the payload without moving its reader index.

    public static long sendNanos(ByteBuf in) {
        return in.getLong(in.readerIndex() + 2);
    }

    public static int publisher(ByteBuf in) {
        return in.getInt(in.readerIndex() + 10);
    }

    public static long sequence(ByteBuf in) {
        return in.getLong(in.readerIndex() + 14);
    }
}
