package io.perch.bench.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import io.perch.bench.client.ClientSettings;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The event loops and the client pipeline. One event loop per core carries every client: a
 * client's handler, its publisher and its subscriber all run on its channel's loop, so the
 * message path has no thread hand-off and no lock.
 */
public final class Transport implements AutoCloseable {
    /** MQTT's own limit (256 MB); the bench must never refuse what a broker legally sends. */
    private static final int MAX_PACKET = 268_435_455;
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final ClientSettings settings;
    private final SslContext ssl;

    public Transport(ClientSettings settings, int threads) {
        this.settings = settings;
        if (Epoll.isAvailable()) {
            group = new EpollEventLoopGroup(threads);
            channelClass = EpollSocketChannel.class;
        } else {
            group = new NioEventLoopGroup(threads);
            channelClass = NioSocketChannel.class;
        }
        try {
            ssl = settings.tls()
                    ? SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()
                    : null;
        } catch (SSLException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot build the TLS context", e);
        }
    }

    public EventLoopGroup group() {
        return group;
    }

    public String transportName() {
        return group instanceof EpollEventLoopGroup ? "epoll" : "nio";
    }

    /** Opens one connection whose last handler is the client; the client sends CONNECT when ready. */
    public ChannelFuture connect(Supplier<ChannelHandler> client) {
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                // Publishers stop writing when the outbound buffer passes the high mark and resume
                // below the low mark: QoS 0 saturation is bounded by this, not by memory.
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initPipeline(ch, client.get());
                    }
                });
        return b.connect(settings.host(), settings.port());
    }

    private void initPipeline(Channel ch, ChannelHandler client) {
        ChannelPipeline p = ch.pipeline();
        if (ssl != null) {
            // First: everything below, HTTP upgrade included, travels inside TLS. SslHandler holds
            // writes until its handshake is done, so the client may send CONNECT on channelActive.
            p.addLast("tls", ssl.newHandler(ch.alloc(), settings.host(), settings.port()));
        }
        if (settings.webSocket()) {
            // HTTP for the upgrade only; after the handshake the protocol handler removes the
            // HTTP codecs and the frames codec turns frames into a byte stream for MQTT.
            String scheme = settings.tls() ? "wss" : "ws";
            URI uri = URI.create(scheme + "://" + settings.host() + ":" + settings.port() + settings.wsPath());
            WebSocketClientProtocolConfig cfg = WebSocketClientProtocolConfig.newBuilder()
                    .webSocketUri(uri)
                    .subprotocol("mqtt")
                    .version(WebSocketVersion.V13)
                    .maxFramePayloadLength(MAX_PACKET)
                    .handshakeTimeoutMillis(CONNECT_TIMEOUT_MS)
                    .build();
            p.addLast("http", new HttpClientCodec());
            p.addLast("http-aggregator", new HttpObjectAggregator(65536));
            p.addLast("ws", new WebSocketClientProtocolHandler(cfg));
            p.addLast("ws-frames", new WebSocketFrames());
        }
        p.addLast("mqtt-decoder", new MqttDecoder(MAX_PACKET));
        p.addLast("mqtt-encoder", MqttEncoder.INSTANCE);
        if (settings.keepAlive() > 0) {
            // Writer idle, not all idle: a subscriber that only receives must still ping.
            long writerIdleMs = settings.keepAlive() * 750L;
            p.addLast("keepalive", new IdleStateHandler(0, writerIdleMs, 0, TimeUnit.MILLISECONDS));
        }
        p.addLast("client", client);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
