package io.perch.broker.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts a listener's open connections and closes new ones beyond its max_connections, with a
 * warning at most every ten seconds. Shared by all channels of the listener.
 */
@ChannelHandler.Sharable
public final class ConnectionCounter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionCounter.class);
    private final String listener;
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private volatile long lastWarn;

    public ConnectionCounter(String listener, int max) {
        this.listener = listener;
        this.max = max;
    }

    public int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > max) {
            long now = System.currentTimeMillis();
            if (now - lastWarn > 10_000) {
                lastWarn = now;
                log.warn("listener {}: max_connections {} reached, refusing connections", listener, max);
            }
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        ctx.fireChannelInactive();
    }
}
