package io.perch.broker.protocol;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.internal.PlatformDependent;
import io.perch.broker.session.Pending;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a connection writes. Session writes (PUBLISH, PUBREL) go through one MPSC queue drained
 * on the event loop, so they reach the socket in exactly the order the session made them,
 * whichever thread made them (a direct in-loop write could otherwise overtake a write handed
 * over from another thread), and a burst from another thread costs one task, not one per
 * message. Every write schedules at most one flush per event-loop turn.
 */
final class Outbound {
    private final MqttConnection c;
    /**
     * Made on the first delivery: the queue, padded against false sharing, costs about 600
     * bytes, which idle connections (most of a large fleet) never need. Starts at 16 slots and
     * grows by doubling.
     */
    private volatile Queue<Object> outbox;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final Runnable flushTask = this::flushNow;
    private boolean flushPending;

    Outbound(MqttConnection c) {
        this.c = c;
    }

    private record OutPublish(Pending pending, int packetId, boolean dup) {
    }

    private record OutPubrel(int packetId) {
    }

    /** Writes on the event loop and schedules one flush for this loop turn. */
    void send(MqttMessage m) {
        if (c.ctx.executor().inEventLoop()) {
            c.ctx.write(m, c.ctx.voidPromise());
            c.core.stats.packetsSent.increment();
            scheduleFlush();
        } else {
            c.ctx.executor().execute(() -> send(m));
        }
    }

    void publish(Pending p, int packetId, boolean dup) {
        toOutbox(new OutPublish(p, packetId, dup));
    }

    void pubrel(int packetId) {
        toOutbox(new OutPubrel(packetId));
    }

    private void scheduleFlush() {
        if (!flushPending) {
            flushPending = true;
            c.ctx.executor().execute(flushTask);
        }
    }

    private void flushNow() {
        flushPending = false;
        c.ctx.flush();
    }

    private Queue<Object> outbox() {
        Queue<Object> q = outbox;
        if (q == null) {
            synchronized (this) {
                q = outbox;
                if (q == null) {
                    q = PlatformDependent.newMpscQueue(16, 1 << 30);
                    outbox = q;
                }
            }
        }
        return q;
    }

    private void toOutbox(Object item) {
        outbox().offer(item);
        if (c.ctx.executor().inEventLoop()) {
            drain();
        } else if (drainScheduled.compareAndSet(false, true)) {
            c.ctx.executor().execute(drainTask);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        Queue<Object> q = outbox();
        Object item;
        while ((item = q.poll()) != null) {
            if (item instanceof OutPublish op) {
                writePublish(op.pending(), op.packetId(), op.dup());
            } else if (item instanceof OutPubrel pr) {
                send(c.helper.pubrel(pr.packetId(), ReasonCodes.SUCCESS));
            }
        }
    }

    private void writePublish(Pending p, int packetId, boolean dup) {
        if (c.state != MqttConnection.State.CONNECTED) {
            return; // resent on reconnect
        }
        var msg = p.message();
        String topic = msg.topic();
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        if (c.helper.isV5()) {
            props = new MqttProperties();
            Props.addPublishProperties(props, msg.properties());
            long left = msg.remainingExpirySeconds(System.currentTimeMillis());
            if (left > 0) {
                Props.addInt(props, MqttProperties.MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL, (int) left);
            }
            for (int id : p.subscriptionIds()) {
                Props.addInt(props, MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER, id);
            }
            topic = c.aliases.outbound(topic, props);
        }
        MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(p.qos()), p.retain(), 0);
        send(new MqttPublishMessage(fh, new MqttPublishVariableHeader(topic, packetId, props),
                Unpooled.wrappedBuffer(msg.payload())));
        c.core.stats.messagesSentByQos[p.qos()].increment();
    }
}
