package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.perch.broker.protocol.MqttConnection;
import io.perch.broker.stats.BrokerStats;

/**
 * Counts MQTT bytes received and sent (after TLS/WebSocket unwrapping) for bytes.received/sent,
 * and tells the connection that bytes arrived (its keep alive counts any).
 */
final class ByteCounter extends ChannelDuplexHandler {
    private final BrokerStats stats;
    private final MqttConnection connection;

    ByteCounter(BrokerStats stats, MqttConnection connection) {
        this.stats = stats;
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            stats.bytesReceived.add(b.readableBytes());
            connection.readActivity();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            stats.bytesSent.add(b.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
