package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The order of a connection's inbound work. Packets that may wait for a hook (PUBLISH,
 * PUBREL, SUBSCRIBE, UNSUBSCRIBE) run strictly in arrival order through one chain; while more
 * than {@link MqttConnection#MAX_PENDING_INBOUND} wait, reading is paused (back-pressure on
 * the client) until half of them are done. Packets that arrive between CONNECT and CONNACK are held, reading paused, and
 * run after CONNACK (or released if the CONNECT is refused). Event loop only.
 */
final class InboundChain {
    private static final Logger log = LoggerFactory.getLogger(InboundChain.class);
    private final MqttConnection c;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private int pending;
    private ArrayDeque<MqttMessage> early;

    InboundChain(MqttConnection c) {
        this.c = c;
    }

    /** Runs inbound work after everything received before it; pauses reading while too much waits. */
    void inOrder(Supplier<CompletionStage<?>> work, Object toReleaseOnSkip) {
        if (tail.isDone()) {
            CompletionStage<?> s = safely(work);
            if (s.toCompletableFuture().isDone()) {
                return;
            }
            tail = s.toCompletableFuture().handle((v, e) -> null);
        } else {
            tail = tail.thenComposeAsync(v -> {
                @SuppressWarnings("unchecked")
                CompletionStage<Object> s = (CompletionStage<Object>) (c.state == MqttConnection.State.CLOSED
                        ? release(toReleaseOnSkip) : safely(work));
                return s;
            }, c.ctx.executor()).handle((v, e) -> null);
        }
        if (++pending >= MqttConnection.MAX_PENDING_INBOUND) {
            c.pauseRead(MqttConnection.PAUSE_BACKLOG);
        }
        // This link is done when this packet's work is: count exactly that one down, so the cap
        // bounds what waits however the completions interleave (resetting on any completion let
        // a slow hook and a flood queue without bound).
        tail.whenCompleteAsync((v, e) -> {
            if (--pending <= MqttConnection.MAX_PENDING_INBOUND / 2) {
                c.resumeRead(MqttConnection.PAUSE_BACKLOG);
            }
        }, c.ctx.executor());
    }

    /** Holds a packet that arrived before CONNACK, with reading paused. */
    void holdEarly(MqttMessage m) {
        if (early == null) {
            early = new ArrayDeque<>();
        }
        early.add(m);
        c.pauseRead(MqttConnection.PAUSE_CONNECTING);
    }

    /** After CONNACK: hands the held packets to {@code dispatch}, then reads on. */
    void processEarly(Consumer<MqttMessage> dispatch) {
        ArrayDeque<MqttMessage> q = early;
        early = null;
        if (q == null) {
            return;
        }
        for (MqttMessage m; (m = q.poll()) != null; ) {
            dispatch.accept(m);
        }
        c.resumeRead(MqttConnection.PAUSE_CONNECTING);
    }

    /** The CONNECT was refused or the connection closed: held packets are never processed. */
    void releaseEarly() {
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
    }

    private static CompletionStage<?> release(Object o) {
        if (o != null) {
            ReferenceCountUtil.release(o);
        }
        return CompletableFuture.completedFuture(null);
    }

    private CompletionStage<?> safely(Supplier<CompletionStage<?>> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            log.warn("client {}: error handling packet: {}", c.client == null ? "?" : c.client.clientId(), e.toString(), e);
            c.closeReason = "error";
            c.closeWith(ReasonCodes.IMPLEMENTATION_SPECIFIC, null);
            return CompletableFuture.completedFuture(null);
        }
    }
}
