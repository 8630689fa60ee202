package io.perch.broker.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.perch.broker.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts a listener's open connections and closes a new one at once when the listener's
 * max_connections or the node's limit is reached: a refused client sees the socket close rather
 * than wait for a CONNACK. Each limit logs when it starts refusing and when 5 % of its places
 * are free again.
 * Shared by all channels of the listener (one instance per listener).
 */
@ChannelHandler.Sharable
public final class ConnectionCounter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionCounter.class);
    /** Set on channels that hold a place in both counts, so that only those give it back. */
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("perch.counted");
    private final int max;
    private final NodeConnections node;
    private final BrokerStats stats;
    private final AtomicInteger open = new AtomicInteger();
    private final RefusalState state;

    public ConnectionCounter(String listener, int max, NodeConnections node, BrokerStats stats) {
        this.max = max;
        this.node = node;
        this.stats = stats;
        this.state = new RefusalState(log, "listener " + listener + " max_connections " + max);
    }

    public int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!node.tryOpen()) {
            stats.connectionsRefusedNodeLimit.increment();
            ctx.close();
            return;
        }
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            node.release();
            state.refused();
            stats.connectionsRefusedListenerLimit.increment();
            ctx.close();
            return;
        }
        ctx.channel().attr(COUNTED).set(Boolean.TRUE);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(COUNTED).getAndSet(null) != null) {
            state.released(open.decrementAndGet(), max);
            node.release();
        }
        ctx.fireChannelInactive();
    }
}
