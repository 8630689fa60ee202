package io.perch.bench.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.perch.bench.stats.Counters;
import io.perch.bench.stats.Latency;
import io.perch.bench.topic.Topics;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One MQTT connection: CONNECT/CONNACK, optional SUBSCRIBE, keep-alive, and dispatch of the
 * publish flows to its {@link Publisher} and/or {@link Receiver}. Every method runs on the
 * channel's event loop; the run reaches in only through {@link #execute}.
 */
public final class BenchClient extends ChannelInboundHandlerAdapter {
    private static final long CONNACK_TIMEOUT_MS = 10_000;
    private static final MqttMessage PINGREQ =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));

    private final int index;
    private final String clientId;
    private final ClientSettings settings;
    private final ClientEvents events;
    private final String topic;
    private final Publisher publisher;
    private final Receiver receiver;
    private final String filter;
    private final int subQos;
    private final boolean resume;

    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> connackTimeout;
    private boolean connectReported;
    private boolean connected;
    private boolean closing;
    private boolean flushNeeded;

    /**
     * @param role   "pub", "sub" or "conn": part of the client id {@code <prefix>-<role>-<index>}
     * @param pub    what to publish, or null
     * @param sub    what to subscribe to, or null
     */
    public BenchClient(int index, String role, ClientSettings settings, ClientEvents events, Counters counters,
                       Latency latency, PublishSpec pub, SubscribeSpec sub) {
        this.index = index;
        this.clientId = settings.clientIdPrefix() + "-" + role + "-" + index;
        this.settings = settings;
        this.events = events;
        this.topic = pub == null ? null : Topics.expand(pub.topicTemplate(), index, clientId);
        this.publisher = pub == null ? null
                : new Publisher(index, topic, pub.qos(), pub.payloadSize(), pub.rate(), pub.count(), pub.inflight(),
                        pub.retain(), counters, () -> events.publisherDone(this));
        this.receiver = sub == null ? null : new Receiver(counters, sub.resume() ? null : latency);
        this.resume = sub != null && sub.resume();
        this.filter = sub == null ? null : Topics.expand(sub.filterTemplate(), index, clientId);
        this.subQos = sub == null ? 0 : sub.qos();
    }

    public int index() {
        return index;
    }

    public String clientId() {
        return clientId;
    }

    /** The subscription filter, or null for a client that does not subscribe. */
    public String filter() {
        return filter;
    }

    /** The expanded publish topic, or null for a client that does not publish. */
    public String topic() {
        return topic;
    }

    /** When this subscriber first received a PUBLISH ({@code System.nanoTime()}), 0 if never or not a subscriber. */
    public long firstDeliveryNanos() {
        return receiver == null ? 0 : receiver.firstDeliveryNanos();
    }

    /** When this subscriber last received a PUBLISH ({@code System.nanoTime()}), 0 if never or not a subscriber. */
    public long lastDeliveryNanos() {
        return receiver == null ? 0 : receiver.lastDeliveryNanos();
    }

    /** Runs {@code task} on this client's event loop (no-op before the channel exists). */
    public void execute(Runnable task) {
        if (ctx != null) {
            ctx.executor().execute(task);
        }
    }

    public void startPublishing() {
        execute(() -> {
            if (publisher != null && connected) {
                publisher.start();
            }
        });
    }

    /** Stops publishing; completes with how many messages this client sent in all. */
    public CompletableFuture<Long> stopPublishing() {
        CompletableFuture<Long> sent = new CompletableFuture<>();
        if (ctx == null || publisher == null) {
            sent.complete(0L);
            return sent;
        }
        // Runs after any pump already queued on the loop, so the count is final.
        ctx.executor().execute(() -> {
            publisher.stop();
            sent.complete(publisher.sent());
        });
        return sent;
    }

    /** Sends DISCONNECT and closes; the returned future completes when the channel is closed. */
    public ChannelFuture disconnect() {
        if (ctx == null) {
            return null;
        }
        Channel ch = ctx.channel();
        ch.eventLoop().execute(() -> {
            closing = true;
            if (publisher != null) {
                publisher.stop();
            }
            if (ch.isActive() && connected) {
                MqttMessage bye = new MqttMessage(
                        new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0));
                ctx.writeAndFlush(bye).addListener(ChannelFutureListener.CLOSE);
            } else {
                ch.close();
            }
        });
        return ch.closeFuture();
    }

    /** The TCP connect itself failed: the handler never became active. */
    public void transportFailed(Throwable cause) {
        reportConnectFailure(describe(cause));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connackTimeout = ctx.executor().schedule(() -> {
            reportConnectFailure("no CONNACK within " + CONNACK_TIMEOUT_MS + " ms");
            ctx.close();
        }, CONNACK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (!settings.webSocket()) {
            sendConnect();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            sendConnect();
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            reportConnectFailure("WebSocket handshake timed out");
            ctx.close();
        } else if (evt instanceof IdleStateEvent && connected) {
            ctx.writeAndFlush(PINGREQ, ctx.voidPromise());
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void sendConnect() {
        ctx.writeAndFlush(Connects.connect(settings, clientId), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object obj) {
        MqttMessage msg = (MqttMessage) obj;
        if (msg.decoderResult().isFailure()) {
            io.netty.util.ReferenceCountUtil.release(msg);
            fail("undecodable packet: " + describe(msg.decoderResult().cause()));
            return;
        }
        switch (msg.fixedHeader().messageType()) {
            case PUBLISH -> {
                if (receiver != null) {
                    receiver.onPublish(ctx, (MqttPublishMessage) msg);
                    flushNeeded = true;
                } else {
                    ((MqttPublishMessage) msg).release();
                }
            }
            case PUBACK -> {
                if (publisher != null) {
                    publisher.onComplete(packetId(msg), isRejected(msg));
                }
            }
            case PUBREC -> {
                if (publisher != null) {
                    publisher.onPubRec(packetId(msg), isRejected(msg));
                    flushNeeded = true;
                }
            }
            case PUBCOMP -> {
                if (publisher != null) {
                    publisher.onComplete(packetId(msg), false);
                }
            }
            case PUBREL -> {
                if (receiver != null) {
                    receiver.onPubRel(ctx, packetId(msg));
                    flushNeeded = true;
                }
            }
            case CONNACK -> onConnAck((MqttConnAckMessage) msg);
            case SUBACK -> onSubAck((MqttSubAckMessage) msg);
            case DISCONNECT -> fail("broker sent DISCONNECT");
            default -> {
                // PINGRESP and anything else a client may ignore.
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // One flush per read burst carries every ack written while reading it.
        if (flushNeeded) {
            flushNeeded = false;
            ctx.flush();
        }
        if (publisher != null && connected) {
            publisher.pump();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (publisher != null && connected && ctx.channel().isWritable()) {
            publisher.pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (connackTimeout != null) {
            connackTimeout.cancel(false);
        }
        if (publisher != null) {
            publisher.stop();
        }
        if (!connected) {
            reportConnectFailure("connection closed before CONNACK");
        } else if (!closing) {
            events.dropped(this, "connection closed by peer");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(describe(cause));
    }

    private void onConnAck(MqttConnAckMessage ack) {
        connackTimeout.cancel(false);
        MqttConnectReturnCode rc = ack.variableHeader().connectReturnCode();
        if (rc != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            reportConnectFailure("CONNACK " + rc);
            ctx.close();
            return;
        }
        connected = true;
        connectReported = true;
        if (publisher != null) {
            publisher.attach(ctx, receiveMaximum(ack.variableHeader().properties()));
        }
        events.connected(this);
        if (resume) {
            // The session kept the subscription only if the broker kept the session.
            events.subscribed(this, ack.variableHeader().isSessionPresent());
        } else if (filter != null) {
            ctx.writeAndFlush(Connects.subscribe(filter, subQos), ctx.voidPromise());
        }
    }

    private void onSubAck(MqttSubAckMessage ack) {
        boolean granted = !ack.payload().reasonCodes().isEmpty() && ack.payload().reasonCodes().get(0) < 0x80;
        events.subscribed(this, granted);
    }

    private void reportConnectFailure(String reason) {
        if (!connectReported) {
            connectReported = true;
            events.connectFailed(this, reason);
        }
    }

    private void fail(String reason) {
        if (!connected) {
            reportConnectFailure(reason);
        } else if (!closing) {
            closing = true;
            events.dropped(this, reason);
        }
        ctx.close();
    }

    private static int receiveMaximum(MqttProperties props) {
        MqttProperties.MqttProperty<?> p = props.getProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value());
        return p == null ? 0 : (Integer) p.value();
    }

    private static int packetId(MqttMessage msg) {
        return ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
    }

    /** MQTT 5 reason codes of 0x80 and above in PUBACK/PUBREC mean the broker refused the message. */
    private static boolean isRejected(MqttMessage msg) {
        return msg.variableHeader() instanceof MqttPubReplyMessageVariableHeader v && (v.reasonCode() & 0xFF) >= 0x80;
    }

    private static String describe(Throwable t) {
        return t == null ? "unknown" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
