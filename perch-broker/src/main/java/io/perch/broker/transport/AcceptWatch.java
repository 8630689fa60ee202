package io.perch.broker.transport;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.perch.broker.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Sits on a listener's server channel (ServerBootstrap.handler), before Netty's acceptor. When
 * accept() fails (EMFILE/ENFILE: descriptors used up by something else), Netty's acceptor would
 * pause accepting for a second and pass the error to the pipeline's tail, which logs a warning
 * each time, i.e. every second while it lasts. Here the failure is counted, logged once when
 * accepts start failing and once when one succeeds again, and accepting is paused for a second
 * as Netty does, so that the loop does not spin; the error goes no further. All on the server
 * channel's event loop, one instance per listener.
 */
@ChannelHandler.Sharable
public final class AcceptWatch extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AcceptWatch.class);
    static final long PAUSE_MILLIS = 1000;
    private final String listener;
    private final BrokerStats stats;
    private boolean failing;

    public AcceptWatch(String listener, BrokerStats stats) {
        this.listener = listener;
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object child) {
        if (failing) {
            failing = false;
            log.info("listener {}: accepting connections again", listener);
        }
        ctx.fireChannelRead(child);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stats.acceptFailures.increment();
        if (!failing) {
            failing = true;
            log.warn("listener {}: accept failed ({}); new clients wait in the listen backlog until it succeeds"
                    + " again (retried every second)", listener, cause.getMessage());
        } else {
            log.debug("listener {}: accept failed: {}", listener, cause.toString());
        }
        ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead()) {
            config.setAutoRead(false);
            ctx.channel().eventLoop().schedule(() -> config.setAutoRead(true), PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }
}
