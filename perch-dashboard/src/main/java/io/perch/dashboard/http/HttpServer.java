package io.perch.dashboard.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;

/**
 * The dashboard's HTTP listener on its own small event loop group, so a slow dashboard client
 * never delays MQTT traffic. Pipeline: codec, aggregator (1 MiB: batch publishes, nothing
 * bigger), then the router; with an SslContext, a TLS handler in front (HTTPS).
 */
public final class HttpServer implements AutoCloseable {
    static final int MAX_BODY = 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    public HttpServer(String host, int port, HttpHandler handler) throws InterruptedException {
        this(host, port, handler, null);
    }

    /** With {@code ssl} non-null, TLS first (HTTPS); the routes are the same. */
    public HttpServer(String host, int port, HttpHandler handler, SslContext ssl) throws InterruptedException {
        group = new NioEventLoopGroup(2, new DefaultThreadFactory(ssl == null ? "perch-dashboard" : "perch-dashboard-tls", true));
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (ssl != null) {
                                ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                            }
                            ch.pipeline()
                                    .addLast("http-codec", new HttpServerCodec())
                                    .addLast("http-aggregator", new HttpObjectAggregator(MAX_BODY))
                                    .addLast("router", handler);
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
