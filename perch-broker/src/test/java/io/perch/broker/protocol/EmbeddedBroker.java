package io.perch.broker.protocol;

import io.netty.channel.DefaultEventLoopGroup;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.core.BrokerCore;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.session.MemorySessionStore;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A real {@link BrokerCore} (memory stores, no listeners) whose connections are
 * {@link RawClient}s on Netty {@code EmbeddedChannel}s: the whole protocol engine without a socket.
 */
final class EmbeddedBroker implements AutoCloseable {
    final BrokerCore core;
    private final DefaultEventLoopGroup timers = new DefaultEventLoopGroup(1);

    EmbeddedBroker(Consumer<BrokerConfig.Builder> tune) {
        BrokerConfig.Builder b = BrokerConfig.builder()
                .nodeName("embedded@127.0.0.1")
                .listeners(List.of())
                .sysInterval(Duration.ZERO);
        tune.accept(b);
        core = new BrokerCore(b.build(), new HookRegistry(), new MemorySessionStore(), new MemoryRetainedStore(), timers);
    }

    RawClient client() {
        return new RawClient(core);
    }

    long malformed() {
        return core.stats.malformedPackets.sum();
    }

    @Override
    public void close() {
        timers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
