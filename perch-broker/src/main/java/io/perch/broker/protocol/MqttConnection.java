package io.perch.broker.protocol;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.perch.broker.core.BrokerCore;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: the last handler of the pipeline. It owns the connection's state
 * (all on the channel's event loop), dispatches packets to the connect, publish and subscribe
 * flows, and is the session's {@link SessionConnection}: writes from other threads are handed
 * to the event loop in call order and flushed in batches (one flush per event-loop turn).
 *
 * <p>Inbound packets that may wait for a hook (PUBLISH, PUBREL, SUBSCRIBE, UNSUBSCRIBE) are
 * processed strictly in arrival order through one chain; while more than
 * {@link #MAX_PENDING_INBOUND} wait, reading is paused (back-pressure on the client).
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);
    private static final AttributeKey<MqttVersion> NETTY_MQTT_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");
    static final int MAX_PENDING_INBOUND = 256;

    enum State { AWAIT_CONNECT, CONNECTING, AUTHENTICATING, CONNECTED, CLOSED }

    final BrokerCore core;
    final String listener;
    /** Where the username and client id come from on a TLS listener: cn, dn or null (CONNECT). */
    final String peerCertAsUsername;
    final String peerCertAsClientId;
    ChannelHandlerContext ctx;
    State state = State.AWAIT_CONNECT;
    ProtocolHelper helper = Mqtt3Helper.INSTANCE;
    ClientInfo client;
    Session session;
    WillMessage will;
    boolean superuser;
    int clientReceiveMax = 65535;
    int clientMaxPacketSize;
    final TopicAliases aliases;
    String closeReason = "closed";
    boolean sendWill = true;
    private boolean closing;
    private ScheduledFuture<?> connectTimeout;
    /** This connection's loop's timers ({@link LoopTimers}), set when it joins the pipeline. */
    private LoopTimers timers;
    /** Its place in {@link LoopTimers}; -1 while not ticked there. */
    int timerSlot = -1;
    /** The loop clock ({@link LoopTimers#now}) at the last bytes read. */
    private long lastReadAt;
    /** How long without bytes read closes the connection (1.5 times the keep alive); 0: never. */
    private long keepAliveTimeoutMs;
    /** When the ticker's work ({@link #tick}) runs next, on the loop clock. */
    private long nextWorkAt;
    final Outbound outbound = new Outbound(this);
    final InboundChain inbound = new InboundChain(this);
    /** Acknowledgements of inbound packets, sent in order once their writes are durable. */
    final AckOrder acks = new AckOrder(this);
    final ConnectFlow connectFlow;
    final PublishFlow publishFlow;
    final SubscribeFlow subscribeFlow;

    private final ConnectionTimers timerRegistry;

    public MqttConnection(BrokerCore core, String listener) {
        this(core, listener, null, null, new ConnectionTimers());
    }

    public MqttConnection(BrokerCore core, io.perch.broker.config.ListenerConfig listener, ConnectionTimers timers) {
        this(core, listener.name(), listener.peerCertAsUsername(), listener.peerCertAsClientId(), timers);
    }

    private MqttConnection(BrokerCore core, String listener, String peerCertAsUsername, String peerCertAsClientId,
                           ConnectionTimers timers) {
        this.core = core;
        this.timerRegistry = timers;
        this.listener = listener;
        this.peerCertAsUsername = peerCertAsUsername;
        this.peerCertAsClientId = peerCertAsClientId;
        this.aliases = new TopicAliases(core.config.maxTopicAlias);
        this.connectFlow = new ConnectFlow(this);
        this.publishFlow = new PublishFlow(this);
        this.subscribeFlow = new SubscribeFlow(this);
    }

    // ---- life cycle ---------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.timers = timerRegistry.of(ctx.executor());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        core.stats.connectionsTotal.increment();
        long idle = core.config.idleTimeout.toMillis();
        if (idle > 0) {
            connectTimeout = ctx.executor().schedule(() -> {
                if (state == State.AWAIT_CONNECT || state == State.AUTHENTICATING) {
                    log.debug("closing {}: no CONNECT within idle_timeout", ctx.channel().remoteAddress());
                    closeReason = "idle_timeout";
                    ctx.close();
                }
            }, idle, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        State was = state;
        state = State.CLOSED;
        cancel(connectTimeout);
        timers.remove(this);
        inbound.releaseEarly();
        if (was == State.CONNECTED && session != null) {
            try {
                connectFlow.onClosed();
            } catch (RuntimeException e) {
                // A fault in ending the session must not also lose the disconnect: hooks (and the
                // Redis client status they write) still hear of it.
                log.error("client {}: error while closing its session", client.clientId(), e);
            }
            core.hooks.fire(HookPoints.CLIENT_DISCONNECTED, new DisconnectedEvent(client, closeReason));
            log.info("client {} disconnected: {}", client.clientId(), closeReason);
        }
    }

    /**
     * What a handler below threw. Bad input from the client (undecodable TLS records, WebSocket
     * frames that break RFC 6455) is counted and logged through {@link #logOffence} (a fuzzer
     * sends hundreds); I/O errors such as a reset are normal and logged at DEBUG; anything else
     * is a fault here and logged as a warning every time.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("connection {}: {}", who(), cause.toString());
        } else if (cause instanceof CorruptedWebSocketFrameException) { // a bad handshake is answered 400 before this
            core.stats.webSocketErrors.increment();
            logOffence("connection {}: closing after a WebSocket error: {}", who(), cause.getMessage());
        } else if (cause instanceof DecoderException) {
            core.stats.malformedPackets.increment();
            logOffence("connection {}: closing after undecodable data: {}", who(), cause.toString());
        } else {
            log.warn("connection {}: closing after error: {}", who(), cause.toString());
        }
        closeReason = "error";
        ctx.close();
    }

    // ---- dispatch -----------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        core.stats.packetsReceived.increment();
        dispatch(m);
    }

    private void dispatch(MqttMessage m) {
        if (state == State.CLOSED || closing || !ctx.channel().isActive()) {
            // Decided to close: whatever else this read holds is not acted upon (MQTT-4.8.0-1, MQTT-3.14.4-1).
            ReferenceCountUtil.release(m);
            return;
        }
        if (state == State.CONNECTING) {
            // Clients need not wait for CONNACK (MQTT 3.1.1 and 5, section 3.1.4): hold what follows the CONNECT, malformed
            // or not, reading paused, until the CONNECT is accepted; if it is refused, none is processed (MQTT-3.1.4-5).
            inbound.holdEarly(m);
            return;
        }
        if (m.decoderResult().isFailure()) {
            ReferenceCountUtil.release(m);
            malformed(m.decoderResult().cause());
            return;
        }
        MqttMessageType type = m.fixedHeader().messageType();
        if (state == State.AWAIT_CONNECT) {
            if (type == MqttMessageType.CONNECT) {
                cancel(connectTimeout);
                connectTimeout = null; // a cancelled timer and its lambda would stay reachable from here
                connectFlow.onConnect((MqttConnectMessage) m);
            } else {
                // MQTT-3.1.0-1: the first packet must be CONNECT.
                ReferenceCountUtil.release(m);
                protocolError("first packet " + type + ", not CONNECT");
            }
            return;
        }
        if (state == State.AUTHENTICATING) {
            if (type == MqttMessageType.AUTH) {
                connectFlow.onAuth(m);
            } else {
                ReferenceCountUtil.release(m);
                protocolError("expected AUTH");
            }
            return;
        }
        switch (type) {
            case PUBLISH -> {
                MqttPublishMessage pm = (MqttPublishMessage) m;
                inbound.inOrder(() -> publishFlow.onPublish(pm), pm);
            }
            case PUBACK -> publishFlow.onPuback(packetId(m));
            case PUBREC -> publishFlow.onPubrec(packetId(m), reasonCode(m));
            case PUBREL -> {
                int id = packetId(m);
                inbound.inOrder(() -> publishFlow.onPubrel(id), null);
            }
            case PUBCOMP -> publishFlow.onPubcomp(packetId(m));
            case SUBSCRIBE -> {
                MqttSubscribeMessage sm = (MqttSubscribeMessage) m;
                inbound.inOrder(() -> subscribeFlow.onSubscribe(sm), null);
            }
            case UNSUBSCRIBE -> {
                MqttUnsubscribeMessage um = (MqttUnsubscribeMessage) m;
                inbound.inOrder(() -> subscribeFlow.onUnsubscribe(um), null);
            }
            case PINGREQ -> {
                if (m.fixedHeader().remainingLength() != 0) {
                    // Remaining Length 0 (3.12.1); Netty does not consume the declared bytes, which would desync framing.
                    malformed(new DecoderException("PINGREQ with remaining length " + m.fixedHeader().remainingLength()));
                } else {
                    send(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
                }
            }
            case DISCONNECT -> connectFlow.onDisconnect(m);
            case AUTH -> connectFlow.onReauth(m);
            case CONNECT -> protocolError("second CONNECT"); // MQTT-3.1.0-2
            default -> protocolError("server-only packet " + type + " from client");
        }
    }

    /** After CONNACK: handles the packets that arrived while the CONNECT was processed, then reads on. */
    void processEarlyPackets() {
        inbound.processEarly(this::dispatch);
    }

    /** Reasons to stop reading the socket; reading resumes when none is left. */
    static final int PAUSE_BACKLOG = 1;
    static final int PAUSE_RATE_LIMIT = 2;
    static final int PAUSE_CONNECTING = 4;
    /** Too many acknowledgements wait for durable writes ({@link AckOrder}). */
    static final int PAUSE_DURABLE = 8;
    private int readPauses;

    void pauseRead(int reason) {
        readPauses |= reason;
        ctx.channel().config().setAutoRead(false);
    }

    void resumeRead(int reason) {
        readPauses &= ~reason;
        if (readPauses == 0 && state != State.CLOSED && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    static int reasonCode(MqttMessage m) {
        return m.variableHeader() instanceof MqttPubReplyMessageVariableHeader v ? v.reasonCode() & 0xff : 0;
    }

    // ---- errors -------------------------------------------------------------------------

    void malformed(Throwable cause) {
        core.stats.malformedPackets.increment();
        logOffence("connection {}: malformed packet: {}", who(), cause.getMessage());
        closeReason = "malformed_packet";
        if (state == State.AWAIT_CONNECT) {
            MqttVersion v = ctx.channel().attr(NETTY_MQTT_VERSION).get();
            ProtocolHelper h = v == MqttVersion.MQTT_5 ? Mqtt5Helper.INSTANCE : Mqtt3Helper.INSTANCE;
            int reason = -1;
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                reason = ReasonCodes.UNSUPPORTED_PROTOCOL_VERSION;
                h = Mqtt3Helper.INSTANCE; // the level is unknown: answer in the oldest form (MQTT-3.1.2-2)
            } else if (cause instanceof MqttIdentifierRejectedException) {
                reason = ReasonCodes.CLIENT_ID_NOT_VALID;
            } else if (h.isV5()) {
                reason = cause instanceof TooLongFrameException ? ReasonCodes.PACKET_TOO_LARGE : ReasonCodes.MALFORMED_PACKET;
            }
            state = State.CLOSED;
            if (reason >= 0) {
                writeAndClose(h.connack(reason, false, null));
            } else {
                ctx.close();
            }
            return;
        }
        closeWith(cause instanceof TooLongFrameException ? ReasonCodes.PACKET_TOO_LARGE : ReasonCodes.MALFORMED_PACKET,
                cause.getMessage());
    }

    void protocolError(String why) {
        core.stats.protocolErrors.increment();
        logOffence("connection {}: protocol error: {}", who(), why);
        closeReason = "protocol_error";
        closeWith(ReasonCodes.PROTOCOL_ERROR, why);
    }

    /** The client id once known, else the remote address, for log lines. */
    String who() {
        return client != null ? client.clientId() : String.valueOf(ctx.channel().remoteAddress());
    }

    /**
     * Logs a client's malformed input or protocol error at INFO the first time within
     * {@link io.perch.broker.core.RecentOffenders}' window, at DEBUG after that, keyed by the client
     * id of an accepted connection, else by the remote IP address (without the port: one host
     * opening many bad connections logs once). Before CONNACK the client id is only a claim,
     * so it does not key: varying it would not escape the limit.
     */
    void logOffence(String format, Object... args) {
        String key = state == State.CONNECTED && client != null ? "client " + client.clientId() : "host " + remoteHost();
        if (core.offenders.firstInWindow(key)) {
            Object[] withKey = java.util.Arrays.copyOf(args, args.length + 1);
            withKey[args.length] = key;
            log.info(format + " (more from {} within 10 minutes are logged at DEBUG)", withKey);
        } else if (log.isDebugEnabled()) {
            log.debug(format, args);
        }
    }

    private String remoteHost() {
        java.net.SocketAddress a = ctx.channel().remoteAddress();
        if (a instanceof java.net.InetSocketAddress isa) {
            return isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
        }
        return String.valueOf(a);
    }

    /** Sends a v5 DISCONNECT with the reason (v3: nothing) and closes. */
    void closeWith(int reason, String reasonString) {
        if (state == State.CLOSED && !ctx.channel().isActive()) {
            return;
        }
        MqttMessage d = state == State.CONNECTED ? helper.disconnect(reason, reasonString) : null;
        if (d != null) {
            writeAndClose(d);
        } else {
            ctx.flush(); // what was already answered (CONNACK, acks) still goes out, as with a DISCONNECT
            ctx.close();
        }
    }

    void writeAndClose(MqttMessage m) {
        closing = true;
        ctx.writeAndFlush(m).addListener(f -> ctx.close());
    }

    // ---- outbound -----------------------------------------------------------------------

    /** Writes on the event loop and schedules one flush for this loop turn. */
    void send(MqttMessage m) {
        outbound.send(m);
    }

    @Override
    public boolean fits(Pending p) {
        // MQTT-3.1.2-25: never send a packet larger than the client allows
        return clientMaxPacketSize <= 0 || PublishSize.estimate(p, helper.isV5()) <= clientMaxPacketSize;
    }

    @Override
    public boolean sendPublish(Pending p, int packetId, boolean dup) {
        if (!fits(p)) {
            return false;
        }
        outbound.publish(p, packetId, dup);
        return true;
    }

    @Override
    public void sendPubrel(int packetId) {
        outbound.pubrel(packetId);
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && state == State.CONNECTED && session != null) {
            session.drain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public int receiveMaximum() {
        return clientReceiveMax;
    }

    @Override
    public void disconnect(Close why) {
        ctx.executor().execute(() -> {
            closeReason = switch (why) {
                case TAKEN_OVER -> "takenover";
                case KICKED -> "kicked";
                case SHUTDOWN -> "shutdown";
            };
            closeWith(switch (why) {
                case TAKEN_OVER -> ReasonCodes.SESSION_TAKEN_OVER;
                case KICKED -> ReasonCodes.ADMINISTRATIVE_ACTION;
                case SHUTDOWN -> ReasonCodes.SERVER_SHUTTING_DOWN;
            }, null);
        });
    }

    // ---- timers -------------------------------------------------------------------------

    /**
     * Bytes arrived (any, even of a large packet still arriving: they count as activity for the
     * keep alive). Called by the pipeline's byte counter, on this connection's loop.
     */
    public void readActivity() {
        LoopTimers t = timers;
        if (t != null) {
            lastReadAt = t.now();
        }
    }

    /**
     * Once CONNECT was accepted: the keep-alive check ({@code keepAliveTimeoutMs}, 0 for none) and
     * the periodic work of {@link #tick} run on the loop's timers from now on.
     */
    void startTimers(long keepAliveTimeoutMs) {
        this.keepAliveTimeoutMs = keepAliveTimeoutMs;
        timers.add(this); // first: it sets the clock of a loop not ticked before
        this.lastReadAt = timers.now();
        this.nextWorkAt = timers.now() + workPeriod();
    }

    /** How often the v3 resend and the QoS 2 await_rel expiry run. */
    private long workPeriod() {
        long retry = helper.isV5() ? 0 : core.config.retryInterval.toMillis();
        return Math.max(1000, Math.min(retry > 0 ? retry : Long.MAX_VALUE, core.config.awaitRelTimeout.toMillis()) / 2);
    }

    /**
     * One look by the loop's timers: a client silent past its keep alive is disconnected (v5
     * 0x8D); otherwise, when due, the v3 resend after retry_interval and the QoS 2
     * await_rel_timeout.
     */
    void tick(long now) {
        if (state != State.CONNECTED) {
            return;
        }
        if (keepAliveTimeoutMs > 0 && now - lastReadAt > keepAliveTimeoutMs) {
            log.info("client {}: keepalive timeout ({} s)", client.clientId(), client.keepAlive());
            closeReason = "keepalive_timeout";
            timers.remove(this);
            closeWith(ReasonCodes.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
            return;
        }
        if (now - nextWorkAt >= 0) {
            nextWorkAt = now + workPeriod();
            long retry = helper.isV5() ? 0 : core.config.retryInterval.toMillis(); // 0: only on reconnect
            if (retry > 0) {
                session.retry(retry); // v5 forbids resending except on reconnect (MQTT-4.4.0-1)
            }
            session.expireAwaitingRel(core.config.awaitRelTimeout.toMillis());
        }
    }

    /** A tick of this connection threw: a fault here, logged; the connection closes. */
    void tickFailed(RuntimeException e) {
        log.error("connection {}: periodic work failed; closing it", who(), e);
        timers.remove(this);
        closeReason = "error";
        ctx.close();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    /** Whether the client connected with MQTT 5 (3.1/3.1.1 before its CONNECT). */
    public boolean isV5() {
        return helper.isV5();
    }

    /** v5 DISCONNECT from the client with a reason code. */
    static int disconnectReason(MqttMessage m) {
        return m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader v ? v.reasonCode() & 0xff : 0;
    }
}
