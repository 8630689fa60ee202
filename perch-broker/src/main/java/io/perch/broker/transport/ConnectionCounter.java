package io.perch.broker.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.stats.RefusalState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts a listener's open connections and closes a new one at once when the listener's
 * max_connections, max_conn_per_ip or max_conn_rate, or the node's limit, is reached: a refused client sees the socket close rather
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

    private final ConnectLimits limits;

    public ConnectionCounter(String listener, int max, NodeConnections node, BrokerStats stats) {
        this(listener, max, 0, 0, node, stats, new io.perch.broker.core.RecentOffenders());
    }

    /** With the listener's max_conn_per_ip and max_conn_rate (0: none); offenders are logged once per window. */
    public ConnectionCounter(String listener, int max, int perIp, int ratePerSecond, NodeConnections node,
                             BrokerStats stats, io.perch.broker.core.RecentOffenders offenders) {
        this.max = max;
        this.node = node;
        this.stats = stats;
        this.state = new RefusalState(log, "listener " + listener + " max_connections " + max);
        this.limits = new ConnectLimits(listener, perIp, ratePerSecond, stats, offenders, System::nanoTime);
    }

    public int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = limits.any() ? address(ctx) : null;
        if (limits.any() && !limits.tryOpen(address)) {
            refuse(ctx);
            return;
        }
        if (!node.tryOpen()) {
            limits.release(address);
            stats.connectionsRefusedNodeLimit.increment();
            refuse(ctx);
            return;
        }
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            node.release();
            limits.release(address);
            state.refused();
            stats.connectionsRefusedListenerLimit.increment();
            refuse(ctx);
            return;
        }
        ctx.fireChannelActive();
    }

    private static InetAddress address(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
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
        if (limits.any()) {
            limits.release(address(ctx));
        }
        ctx.fireChannelInactive();
    }
}
