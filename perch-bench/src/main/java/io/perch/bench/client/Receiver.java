package io.perch.bench.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.perch.bench.payload.Stamp;
import io.perch.bench.stats.Counters;
import io.perch.bench.stats.Latency;
import io.perch.bench.stats.SequenceWindow;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Subscribing side of one client: stamps in, acks out, on the channel's event loop.
 * Acks are written without flushing; the client flushes once per read burst.
 */
final class Receiver {
    private static final MqttFixedHeader PUBACK_HEADER =
            new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 2);
    private static final MqttFixedHeader PUBREC_HEADER =
            new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 2);
    private static final MqttFixedHeader PUBCOMP_HEADER =
            new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 2);

    /** Guards the window array against a garbage index from a payload that only looks stamped. */
    private static final int MAX_PUBLISHER = 1 << 20;

    private final Counters counters;
    /** Null when latency means nothing here (messages queued while the subscriber was away). */
    private final Latency latency;
    /** Written on the loop, read by the run when it ends: an ordered store, no fence per message. */
    private final AtomicLong lastDelivery = new AtomicLong();
    /** When the first PUBLISH arrived (0 before): a subscriber-only run's rate counts from it. */
    private final AtomicLong firstDelivery = new AtomicLong();
    /** One window per publisher index, grown on demand. */
    private SequenceWindow[] windows = new SequenceWindow[4];

    Receiver(Counters counters, Latency latency) {
        this.counters = counters;
        this.latency = latency;
    }

    void onPublish(ChannelHandlerContext ctx, MqttPublishMessage msg) {
        long now = System.nanoTime();
        try {
            counters.delivered.increment();
            if (firstDelivery.get() == 0) {
                firstDelivery.compareAndSet(0, now);
            }
            lastDelivery.lazySet(now);
            ByteBuf payload = msg.payload();
            if (Stamp.isStamped(payload)) {
                long took = now - Stamp.sendNanos(payload);
                // A retained copy's age is how long it was kept, not how long delivery took.
                if (took >= 0 && latency != null && !msg.fixedHeader().isRetain()) {
                    latency.record(took);
                }
                track(Stamp.publisher(payload), Stamp.sequence(payload));
            } else {
                counters.foreign.increment();
            }
            int id = msg.variableHeader().packetId();
            switch (msg.fixedHeader().qosLevel()) {
                case AT_LEAST_ONCE -> ctx.write(new MqttMessage(PUBACK_HEADER, MqttMessageIdVariableHeader.from(id)),
                        ctx.voidPromise());
                case EXACTLY_ONCE -> ctx.write(new MqttMessage(PUBREC_HEADER, MqttMessageIdVariableHeader.from(id)),
                        ctx.voidPromise());
                default -> {
                }
            }
        } finally {
            msg.release();
        }
    }

    long firstDeliveryNanos() {
        return firstDelivery.get();
    }

    long lastDeliveryNanos() {
        return lastDelivery.get();
    }

    void onPubRel(ChannelHandlerContext ctx, int packetId) {
        ctx.write(new MqttMessage(PUBCOMP_HEADER, MqttMessageIdVariableHeader.from(packetId)), ctx.voidPromise());
    }

    private void track(int publisher, long seq) {
        if (publisher < 0 || publisher > MAX_PUBLISHER) {
            counters.foreign.increment();
            return;
        }
        if (publisher >= windows.length) {
            windows = Arrays.copyOf(windows, Math.max(publisher + 1, windows.length * 2));
        }
        SequenceWindow w = windows[publisher];
        if (w == null) {
            w = windows[publisher] = new SequenceWindow();
        }
        switch (w.accept(seq)) {
            case DUPLICATE -> counters.duplicates.increment();
            case OUT_OF_ORDER -> counters.outOfOrder.increment();
            default -> {
            }
        }
    }
}
