package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.util.ReferenceCountUtil;

import java.util.function.BooleanSupplier;

/**
 * Encodes the packets a connection sends most (PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP) into
 * one pooled buffer per flush, where Netty's MqttEncoder makes a buffer per packet. Each of those
 * buffers also cost an entry in the channel's outbound buffer, an iovec in the writev and a
 * release after it: async-profiler put that at about a quarter of the event loop in a retained
 * fan-out (100 copies per subscriber). Everything else (CONNACK, SUBACK, ...) is encoded by
 * Netty's encoder, called from here after the batch so far is passed on, so order is kept; it is
 * not a handler of its own in the pipeline, which saves each connection a handler context.
 *
 * <p>Bytes held here are not in the channel's outbound buffer, so its writability does not see
 * them: a batch is passed on without waiting for the flush once it reaches {@link #MAX_BATCH}.
 * A write with its own promise ends the batch, which goes on with that promise.
 *
 * <p>Owned by the channel's event loop: Netty calls every method here on it.
 */
final class BatchingEncoder extends ChannelOutboundHandlerAdapter {
    static final int MAX_BATCH = 16 * 1024;
    /** Smallest buffer made: a lone PUBACK costs no more in the pool's smallest size classes. */
    private static final int MIN_BUFFER = 64;

    /** Whether the connection speaks MQTT 5: known from its CONNECT, before anything is sent here. */
    private final BooleanSupplier v5;
    private ByteBuf batch;
    /** Bytes passed on since the last flush, and between the two flushes before: buffers are sized from it. */
    private int sinceFlush;
    private int lastFlush;

    BatchingEncoder(BooleanSupplier v5) {
        this.v5 = v5;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean v5 = this.v5.getAsBoolean();
        int size = msg instanceof MqttMessage m ? PacketEncoding.size(m, v5) : -1;
        if (size < 0) {
            passBatch(ctx);
            MqttEncoder.INSTANCE.write(ctx, msg, promise); // bytes (not an MqttMessage) pass through it
            return;
        }
        ByteBuf out = room(ctx, size);
        int start = out.writerIndex();
        try {
            PacketEncoding.encode((MqttMessage) msg, v5, out, size);
        } catch (RuntimeException e) {
            // Nothing of this packet stays in the batch; the failure goes where Netty's would.
            out.writerIndex(start);
            promise.tryFailure(e instanceof EncoderException ? e : new EncoderException(e));
            return;
        } finally {
            ReferenceCountUtil.safeRelease(msg); // logs rather than hide a failure above
        }
        if (!promise.isVoid()) {
            passBatch(ctx, promise);
        } else if (batch.readableBytes() >= MAX_BATCH) {
            passBatch(ctx);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        passBatch(ctx);
        lastFlush = sinceFlush;
        sinceFlush = 0;
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        // As for writes never flushed before a close: Netty discards them.
        discard();
        super.close(ctx, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard();
    }

    /** A buffer with {@code size} bytes free at the end of the batch. */
    private ByteBuf room(ChannelHandlerContext ctx, int size) {
        // A flush like the last one, with a quarter to spare; a burst beyond that doubles.
        int guess = lastFlush + lastFlush / 4;
        if (batch != null && batch.writableBytes() < size) {
            guess = 2 * batch.capacity();
            passBatch(ctx);
        }
        if (batch == null) {
            int capacity = Math.max(size, Math.min(MAX_BATCH, Math.max(MIN_BUFFER, guess)));
            batch = ctx.alloc().ioBuffer(capacity, capacity);
        }
        return batch;
    }

    private void passBatch(ChannelHandlerContext ctx) {
        passBatch(ctx, ctx.voidPromise());
    }

    private void passBatch(ChannelHandlerContext ctx, ChannelPromise promise) {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            sinceFlush = (int) Math.min(Integer.MAX_VALUE, (long) sinceFlush + b.readableBytes());
            ctx.write(b, promise);
        }
    }

    private void discard() {
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }
}
