package io.perch.broker.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.stats.RefusalState;
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
            refuse(ctx);
            return;
        }
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            node.release();
            state.refused();
            stats.connectionsRefusedListenerLimit.increment();
            refuse(ctx);
            return;
        }
        ctx.fireChannelActive();
    }

    /** Closes a connection that holds no place; leaving the pipeline first, it gives none back when it goes. */
    private void refuse(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state.released(open.decrementAndGet(), max);
        node.release();
        ctx.fireChannelInactive();
    }
}
