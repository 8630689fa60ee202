package io.perch.bench.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.ScheduledFuture;
import io.perch.bench.payload.Stamp;
import io.perch.bench.stats.Counters;

import java.util.concurrent.TimeUnit;

/**
 * Publishing side of one client, driven entirely by its event loop.
 *
 * <p>Sending is pulled, never pushed: {@link #pump()} sends as many messages as every bound
 * allows and returns. Bounds: the QoS 1/2 window ({@code inflight}, and the broker's MQTT 5
 * Receive Maximum if lower), the channel's writability (outbound buffer under its high water
 * mark), the rate schedule, the per-publisher count, and a batch cap so one publisher cannot
 * hog its loop. Whatever lifts the bound calls pump again: an ack, a writability change, the
 * rate tick, or the re-queued pump after a full batch. Nothing buffers without bound.
 *
 * <p>Rate mode keeps an absolute schedule (message n is due at start + n/rate), so a late tick
 * is caught up instead of lowering the rate; latency is measured from the actual send time.
 */
final class Publisher {
    private static final int BATCH = 128;
    private static final MqttFixedHeader PUBREL_HEADER =
            new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 2);

    private final int index;
    private final String topic;
    private final MqttQoS qos;
    private final int payloadSize;
    private final double rate;
    private final long count;
    private final Counters counters;
    private final Runnable onDone;
    private final MqttFixedHeader publishHeader;
    private final PacketIds ids = new PacketIds();

    private ChannelHandlerContext ctx;
    private int window;
    private long seq;
    private long startNanos;
    private boolean running;
    private boolean pumpQueued;
    private boolean doneReported;
    private ScheduledFuture<?> ticker;

    Publisher(int index, String topic, int qos, int payloadSize, double rate, long count, int window,
              boolean retain, Counters counters, Runnable onDone) {
        this.index = index;
        this.topic = topic;
        this.qos = MqttQoS.valueOf(qos);
        this.payloadSize = payloadSize;
        this.rate = rate;
        this.count = count;
        this.window = window;
        this.counters = counters;
        this.onDone = onDone;
        // The encoder recomputes the remaining length, so one fixed header serves every PUBLISH.
        this.publishHeader = new MqttFixedHeader(MqttMessageType.PUBLISH, false, this.qos, retain, 0);
    }

    /** Called on CONNACK: the broker's Receive Maximum (MQTT 5) may narrow the window. */
    void attach(ChannelHandlerContext ctx, int serverReceiveMaximum) {
        this.ctx = ctx;
        if (serverReceiveMaximum > 0) {
            window = Math.min(window, serverReceiveMaximum);
        }
    }

    /** Starts publishing; must run on the channel's event loop. */
    void start() {
        if (ctx == null || running) {
            return;
        }
        running = true;
        startNanos = System.nanoTime();
        if (rate > 0) {
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(1), (long) (1e9 / rate));
            ticker = ctx.executor().scheduleAtFixedRate(this::pump, period, period, TimeUnit.NANOSECONDS);
        }
        pump();
    }

    /** Stops sending new messages; acks for those in flight are still counted. */
    void stop() {
        running = false;
        if (ticker != null) {
            ticker.cancel(false);
        }
    }

    /** Messages sent so far (the next sequence number). */
    long sent() {
        return seq;
    }

    void pump() {
        pumpQueued = false;
        if (!running || !ctx.channel().isActive()) {
            return;
        }
        long budget = BATCH;
        if (qos != MqttQoS.AT_MOST_ONCE) {
            budget = Math.min(budget, window - ids.inUse());
        }
        if (count > 0) {
            budget = Math.min(budget, count - seq);
        }
        if (rate > 0) {
            long due = (long) ((System.nanoTime() - startNanos) * rate / 1e9) + 1 - seq;
            budget = Math.min(budget, due);
        }
        int sent = 0;
        while (sent < budget && ctx.channel().isWritable()) {
            sendOne();
            sent++;
        }
        if (sent > 0) {
            counters.sent.add(sent);
            ctx.flush();
        }
        if (count > 0 && seq >= count) {
            stop();
            maybeDone();
        } else if (sent == BATCH && !pumpQueued) {
            // Still allowed to send: yield to the other channels of this loop, then go on.
            pumpQueued = true;
            ctx.executor().execute(this::pump);
        }
    }

    private void sendOne() {
        ByteBuf payload = ctx.alloc().buffer(payloadSize);
        Stamp.write(payload, payloadSize, System.nanoTime(), index, seq++);
        int id = qos == MqttQoS.AT_MOST_ONCE ? 0 : ids.acquire();
        MqttPublishVariableHeader vh = new MqttPublishVariableHeader(topic, id, MqttProperties.NO_PROPERTIES);
        ctx.write(new MqttPublishMessage(publishHeader, vh, payload), ctx.voidPromise());
    }

    /** PUBACK (QoS 1) or PUBCOMP (QoS 2): the exchange is over and the slot is free. */
    void onComplete(int packetId, boolean rejected) {
        if (!ids.release(packetId)) {
            return;
        }
        counters.acked.increment();
        if (rejected) {
            counters.rejected.increment();
        }
        maybeDone();
    }

    /** PUBREC: answer PUBREL; the slot stays taken until PUBCOMP. A rejecting PUBREC ends it. */
    void onPubRec(int packetId, boolean rejected) {
        if (!ids.isUsed(packetId)) {
            return;
        }
        if (rejected) {
            onComplete(packetId, true);
            return;
        }
        ctx.write(new MqttMessage(PUBREL_HEADER, MqttMessageIdVariableHeader.from(packetId)), ctx.voidPromise());
    }

    private void maybeDone() {
        if (!doneReported && count > 0 && seq >= count && ids.inUse() == 0) {
            doneReported = true;
            onDone.run();
        }
    }
}
