package io.perch.broker.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.SslContext;
import io.perch.broker.config.ListenerConfig;
import io.perch.broker.core.BrokerCore;
import io.perch.broker.protocol.ConnectionTimers;
import io.perch.broker.protocol.MqttConnection;

/**
 * The whole pipeline of one connection, on one screen. In order, inbound first:
 * <pre>
 *  limit        ConnectionCounter: closes a connection past node.max_connections or the
 *               listener's max_connections as soon as it is active
 *  ssl          TLS listeners only
 *  http, aggregator, ws-protocol, ws-frames
 *               WebSocket listeners only: upgrade on the configured path with subprotocol
 *               "mqtt" (and the older names), then binary frames to bytes and back;
 *               at the handshake Netty's frame decoder is replaced by InPlaceFrameDecoder, and
 *               ws-protocol (with its UTF-8 validator) leaves: ws-frames answers control frames
 *               (any other HTTP request: 404 and close)
 *  bytes        counts bytes in and out for metrics, and tells the connection that bytes
 *               arrived: any bytes, even of a large packet still arriving, count as activity
 *               for its keep alive (checked by its event loop's timers, not a handler here)
 *  decoder      netty-codec-mqtt, bounded by mqtt.max_packet_size (larger: malformed, 0x95);
 *               PacketCumulator joins its reads (composed, not copied, for a packet of 4 KiB
 *               or more)
 *  encoder      BatchingEncoder: PUBLISH and its acknowledgements into one buffer per flush,
 *               other packets through netty-codec-mqtt's encoder (v3 or v5 from the CONNECT the
 *               decoder saw); on a WebSocket listener with mqtt_piggyback = single, that
 *               encoder alone (a frame per packet)
 *  mqtt         MqttConnection: protocol state, session binding, hooks
 * </pre>
 * (The listener's server channel has its own handler, {@link AcceptWatch}, for accept failures.)
 */
public final class MqttChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final BrokerCore core;
    private final ListenerConfig listener;
    private final SslContext ssl;
    private final ConnectionCounter counter;
    private final ConnectionTimers timers;

    public MqttChannelInitializer(BrokerCore core, ListenerConfig listener, SslContext ssl, ConnectionCounter counter,
                                  ConnectionTimers timers) {
        this.core = core;
        this.listener = listener;
        this.ssl = ssl;
        this.counter = counter;
        this.timers = timers;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("limit", counter);
        if (ssl != null) {
            p.addLast("ssl", ssl.newHandler(ch.alloc()));
        }
        if (listener.isWebSocket()) {
            p.addLast("http", new HttpServerCodec());
            p.addLast("aggregator", new HttpObjectAggregator(65536));
            int maxFramePayload = core.config.maxPacketSize + 8;
            p.addLast("ws-protocol", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath(listener.wsPath())
                    .subprotocols("mqtt,mqttv3.1,mqttv3.1.1,mqttv5")
                    .maxFramePayloadLength(maxFramePayload)
                    .checkStartsWith(false)
                    .build()));
            p.addLast("ws-frames", new WebSocketFrames(listener.wsPiggyback(), maxFramePayload));
        }
        MqttConnection connection = new MqttConnection(core, listener, timers);
        p.addLast("bytes", new ByteCounter(core.stats, connection));
        MqttDecoder decoder = new MqttDecoder(core.config.maxPacketSize, core.config.maxClientIdLen);
        decoder.setCumulator(PacketCumulator.INSTANCE);
        p.addLast("decoder", decoder);
        if (!listener.isWebSocket() || listener.wsPiggyback()) {
            p.addLast("encoder", new BatchingEncoder(connection::isV5));
        } else {
            p.addLast("encoder", MqttEncoder.INSTANCE); // a frame per packet: a buffer per packet
        }
        p.addLast("mqtt", connection);
    }
}
