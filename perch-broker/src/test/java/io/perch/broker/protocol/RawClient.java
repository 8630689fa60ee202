package io.perch.broker.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.perch.broker.core.BrokerCore;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One client connection to the engine over an {@link EmbeddedChannel} carrying the real
 * pipeline pieces (decoder with the config's limits, encoder, {@link MqttConnection}).
 * Bytes go in as they would from a socket; what the broker wrote comes back as bytes.
 *
 * <p>Every buffer fed in is retained once more by this class, so that after
 * {@link #close()} its reference count must be exactly 1 again: anything higher means the
 * engine kept (leaked) a slice of it, such as a PUBLISH payload.
 */
final class RawClient implements AutoCloseable {
    final EmbeddedChannel channel;
    final MqttConnection connection;
    private final List<ByteBuf> fed = new ArrayList<>();

    RawClient(BrokerCore core) {
        connection = new MqttConnection(core, "test");
        channel = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("decoder", new MqttDecoder(core.config.maxPacketSize, core.config.maxClientIdLen));
                ch.pipeline().addLast("encoder", MqttEncoder.INSTANCE);
                ch.pipeline().addLast("mqtt", connection);
            }
        });
    }

    /** Feeds the packets as one read and returns everything the broker wrote in response. */
    byte[] send(byte[]... packets) {
        feed(Bytes.cat(packets));
        return take();
    }

    /** Feeds bytes as one read (nothing is read back). */
    void feed(byte[] bytes) {
        if (!channel.isOpen()) {
            return; // a closed socket delivers nothing more
        }
        ByteBuf buf = channel.alloc().buffer(bytes.length).writeBytes(bytes);
        fed.add(buf.retain());
        channel.writeInbound(buf);
        channel.runPendingTasks();
        channel.checkException();
    }

    /** Runs the connection's pending event-loop work, then drains what it wrote, as bytes. */
    byte[] take() {
        channel.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            if (!(o instanceof ByteBuf b)) {
                throw new AssertionError("broker wrote a non-encoded object: " + o);
            }
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    boolean isOpen() {
        channel.runPendingTasks();
        return channel.isOpen();
    }

    /** Why the engine closed the connection ("error" only when a handler threw). */
    String closeReason() {
        return connection.closeReason;
    }

    /**
     * Closes the channel (if the broker has not), releases anything left in it and checks that
     * every buffer fed in was fully released by the engine.
     */
    @Override
    public void close() {
        channel.runPendingTasks();
        channel.finishAndReleaseAll();
        List<String> held = new ArrayList<>();
        for (ByteBuf b : fed) {
            int refs = b.refCnt();
            if (refs != 1) {
                held.add("a fed buffer has refCnt " + refs + " (expected 1)");
            }
            if (refs > 0) {
                b.release(refs);
            }
        }
        fed.clear();
        if (!held.isEmpty()) {
            throw new AssertionError("engine did not release input: " + held);
        }
    }
}
