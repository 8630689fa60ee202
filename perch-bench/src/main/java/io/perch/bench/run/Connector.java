package io.perch.bench.run;

import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.perch.bench.client.BenchClient;
import io.perch.bench.net.Transport;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts connections at a pace: one every {@code intervalNanos} on an absolute schedule (a late
 * tick catches up), never more than {@code maxConnecting} awaiting their CONNACK at once, so a
 * burst of thousands cannot overflow the broker's listen backlog. With interval 0 the pending
 * cap alone sets the pace. All state lives on one event loop; outcomes hop to it.
 */
final class Connector {
    private final Transport transport;
    private final long intervalNanos;
    private final int maxConnecting;
    private final EventExecutor loop;

    private List<BenchClient> clients;
    private int next;
    private int pending;
    private long startNanos;
    private ScheduledFuture<?> ticker;

    Connector(Transport transport, long intervalNanos, int maxConnecting) {
        this.transport = transport;
        this.intervalNanos = intervalNanos;
        this.maxConnecting = maxConnecting;
        this.loop = transport.group().next();
    }

    /** Begins connecting {@code list}; returns at once. Outcomes arrive through ClientEvents. */
    void connectAll(List<BenchClient> list) {
        loop.execute(() -> {
            clients = list;
            next = 0;
            startNanos = System.nanoTime();
            if (intervalNanos > 0) {
                long period = Math.max(intervalNanos, TimeUnit.MILLISECONDS.toNanos(1));
                ticker = loop.scheduleAtFixedRate(this::startDue, 0, period, TimeUnit.NANOSECONDS);
            } else {
                startDue();
            }
        });
    }

    /** A client reached its outcome (connected or failed): its pending slot is free. */
    void outcome() {
        loop.execute(() -> {
            pending--;
            startDue();
        });
    }

    private void startDue() {
        if (clients == null) {
            return;
        }
        long allowed = Long.MAX_VALUE;
        if (intervalNanos > 0) {
            allowed = (System.nanoTime() - startNanos) / intervalNanos + 1 - next;
        }
        while (next < clients.size() && pending < maxConnecting && allowed-- > 0) {
            BenchClient client = clients.get(next++);
            pending++;
            ChannelFuture f = transport.connect(() -> client);
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    client.transportFailed(done.cause());
                }
            });
        }
        if (next >= clients.size() && ticker != null) {
            ticker.cancel(false);
        }
    }
}
