package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Joins the reads the MQTT decoder has not consumed yet with the next read. Netty's default
 * copies each read into the bytes left over, which is cheap while the left-over is the start of
 * a small packet; but a packet larger than a read (64 KiB) spans two or more, so every byte of it
 * was copied once more before the payload was even taken: async-profiler put that at about a
 * seventh of the event loop in a 64 KiB QoS 1 stream. Once a packet of at least
 * {@link #COMPOSE_FROM} bytes is in progress, the reads are composed instead of copied, and the
 * payload is taken from the composition. When what is left over is small again, it goes back to
 * one buffer, since reading small packets through a composition costs a lookup per access.
 *
 * <p>Stateless and shared; the decoder calls it on its channel's event loop.
 */
final class PacketCumulator implements ByteToMessageDecoder.Cumulator {
    static final PacketCumulator INSTANCE = new PacketCumulator();
    static final int COMPOSE_FROM = 4096;

    private PacketCumulator() {
    }

    @Override
    public ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        int pending = cumulation.readableBytes();
        if (pending >= COMPOSE_FROM) {
            return ByteToMessageDecoder.COMPOSITE_CUMULATOR.cumulate(alloc, cumulation, in);
        }
        if (pending > 0 && cumulation instanceof CompositeByteBuf) {
            // The tail of a large packet stream, or a small packet after one: one buffer again.
            return merge(alloc, cumulation, in);
        }
        return ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
    }

    /**
     * As Netty's own merge on failure: {@code in} is released either way, the old cumulation
     * only once the new one holds its bytes (the decoder still refers to it if this throws).
     */
    private static ByteBuf merge(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        try {
            ByteBuf merged = alloc.buffer(cumulation.readableBytes() + in.readableBytes());
            ByteBuf toRelease = merged;
            try {
                merged.writeBytes(cumulation, cumulation.readerIndex(), cumulation.readableBytes())
                        .writeBytes(in, in.readerIndex(), in.readableBytes());
                toRelease = cumulation;
                return merged;
            } finally {
                toRelease.release();
            }
        } finally {
            in.release();
        }
    }
}
