package io.perch.broker.it;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A QoS 0 flood against a slow message.publish hook: the connection's inbound chain holds at
 * most about {@code MAX_PENDING_INBOUND} packets (plus one socket read) before reading pauses,
 * however the hook's completions interleave with new packets.
 */
class InboundBacklogTest extends BrokerTest {
    private static final int MESSAGES = 3000;
    private final ScheduledExecutorService slow = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService sender = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopThreads() {
        slow.shutdownNow();
        sender.shutdownNow();
    }

    @Test
    void aSlowHookAndAFloodKeepTheBacklogBounded() throws Exception {
        AtomicLong hookCalls = new AtomicLong();
        start(b -> { }, br -> br.hooks().register(HookPoints.MESSAGE_PUBLISH, 100, "slow", (PublishEvent e) -> {
            if (!e.message().topic().equals("flood/t")) {
                return CompletableFuture.completedFuture(HookResult.ok()); // $SYS and the like
            }
            hookCalls.incrementAndGet();
            CompletableFuture<HookResult<PublishEvent>> f = new CompletableFuture<>();
            slow.schedule(() -> f.complete(HookResult.ok()), 1, TimeUnit.MILLISECONDS);
            return f;
        }));
        BrokerStats stats = broker.broker().service().stats();
        RawClient flood = clients.raw();
        flood.connect(RawClient.v3("flood", true, 60).build());
        long packetsBefore = stats.packetsReceived.sum();
        byte[] payload = new byte[1024];
        sender.submit(() -> {
            for (int i = 0; i < MESSAGES; i++) {
                flood.publish("flood/t", 0, payload, 0, false, false, io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
            }
        });

        long maxBacklog = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (hookCalls.get() < MESSAGES && System.nanoTime() < deadline) {
            long read = stats.packetsReceived.sum() - packetsBefore;
            maxBacklog = Math.max(maxBacklog, read - hookCalls.get());
            Thread.sleep(2); // sampling interval, not a wait for correctness
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> hookCalls.get() >= MESSAGES);
        // 256 waiting plus what one socket read of 1 KiB packets holds; the old reset let it reach thousands.
        assertThat(maxBacklog).as("packets read but not yet handled").isBetween(1L, 600L);
    }
}
