package io.perch.broker.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare MQTT client on a real socket, built from netty-codec-mqtt: it sends exactly the
 * packets a test writes (or raw bytes) and never acknowledges anything by itself, so tests can
 * play a client that misbehaves, withholds acks, or vanishes. Everything received is queued in
 * arrival order; PUBLISH payloads are copied to heap buffers so tests need not release them.
 */
public final class RawClient implements AutoCloseable {
    private static final EventLoopGroup GROUP = new NioEventLoopGroup(1, new DefaultThreadFactory("raw-mqtt", true));
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final Channel channel;
    private final BlockingQueue<MqttMessage> received;

    private RawClient(Channel channel, BlockingQueue<MqttMessage> received) {
        this.channel = channel;
        this.received = received;
    }

    /** Opens a TCP connection and sends nothing. */
    public static RawClient open(int port) {
        BlockingQueue<MqttMessage> q = new LinkedBlockingQueue<>();
        Bootstrap b = new Bootstrap().group(GROUP).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new MqttDecoder(16 * 1024 * 1024), MqttEncoder.INSTANCE,
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        q.add(copy((MqttMessage) msg));
                                    }
                                });
                    }
                });
        return new RawClient(b.connect("127.0.0.1", port).syncUninterruptibly().channel(), q);
    }

    private static MqttMessage copy(MqttMessage m) {
        if (m instanceof MqttPublishMessage pm) {
            MqttPublishMessage c = pm.replace(Unpooled.copiedBuffer(pm.content()));
            pm.release();
            return c;
        }
        return m;
    }

    // ---- CONNECT builders ---------------------------------------------------------------

    public static MqttMessageBuilders.ConnectBuilder v3(String clientId, boolean clean, int keepAlive) {
        return MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId(clientId)
                .cleanSession(clean).keepAlive(keepAlive);
    }

    public static MqttMessageBuilders.ConnectBuilder v5(String clientId, boolean cleanStart, int keepAlive) {
        return MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId(clientId)
                .cleanSession(cleanStart).keepAlive(keepAlive);
    }

    /** MQTT 5 properties from (type, value) pairs: Integer, String or byte[] values. */
    public static MqttProperties props(Object... typeValue) {
        MqttProperties p = new MqttProperties();
        for (int i = 0; i < typeValue.length; i += 2) {
            int id = ((MqttProperties.MqttPropertyType) typeValue[i]).value();
            Object v = typeValue[i + 1];
            if (v instanceof Integer n) {
                p.add(new MqttProperties.IntegerProperty(id, n));
            } else if (v instanceof String s) {
                p.add(new MqttProperties.StringProperty(id, s));
            } else if (v instanceof byte[] b) {
                p.add(new MqttProperties.BinaryProperty(id, b));
            } else if (v instanceof MqttProperties.StringPair pair) {
                p.add(new MqttProperties.UserProperty(pair.key, pair.value));
            } else {
                throw new IllegalArgumentException("property value " + v);
            }
        }
        return p;
    }

    // ---- sending ------------------------------------------------------------------------

    /** Sends an MqttMessage or a ByteBuf as is. */
    public RawClient send(Object message) {
        channel.writeAndFlush(message).syncUninterruptibly();
        return this;
    }

    public RawClient sendBytes(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return send(Unpooled.wrappedBuffer(b));
    }

    /** Sends CONNECT and waits for the CONNACK. */
    public MqttConnAckMessage connect(MqttConnectMessage connect) {
        send(connect);
        return expect(MqttMessageType.CONNACK);
    }

    public RawClient publish(String topic, int qos, String payload, int packetId) {
        return publish(topic, qos, payload.getBytes(StandardCharsets.UTF_8), packetId, false, false,
                MqttProperties.NO_PROPERTIES);
    }

    public RawClient publish(String topic, int qos, byte[] payload, int packetId, boolean dup, boolean retain,
                             MqttProperties props) {
        MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0);
        return send(new MqttPublishMessage(fh, new MqttPublishVariableHeader(topic, qos == 0 ? -1 : packetId, props),
                Unpooled.wrappedBuffer(payload)));
    }

    public MqttSubAckMessage subscribe(int packetId, String filter, int qos) {
        return subscribe(packetId, MqttProperties.NO_PROPERTIES, filter, MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(qos)));
    }

    /** SUBSCRIBE with the given options for each filter (pairs of String filter, MqttSubscriptionOption). */
    public MqttSubAckMessage subscribe(int packetId, MqttProperties props, Object... filterOption) {
        List<MqttTopicSubscription> subs = new ArrayList<>();
        for (int i = 0; i < filterOption.length; i += 2) {
            subs.add(new MqttTopicSubscription((String) filterOption[i], (MqttSubscriptionOption) filterOption[i + 1]));
        }
        send(new MqttSubscribeMessage(new MqttFixedHeader(MqttMessageType.SUBSCRIBE, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, props), new MqttSubscribePayload(subs)));
        return expect(MqttMessageType.SUBACK);
    }

    public RawClient puback(int packetId) {
        return ack(MqttMessageType.PUBACK, packetId);
    }

    public RawClient pubrec(int packetId) {
        return ack(MqttMessageType.PUBREC, packetId);
    }

    public RawClient pubrel(int packetId) {
        return ack(MqttMessageType.PUBREL, packetId);
    }

    public RawClient pubcomp(int packetId) {
        return ack(MqttMessageType.PUBCOMP, packetId);
    }

    private RawClient ack(MqttMessageType type, int packetId) {
        MqttQoS q = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return send(new MqttMessage(new MqttFixedHeader(type, false, q, false, 0), MqttMessageIdVariableHeader.from(packetId)));
    }

    /** DISCONNECT; for v5 with a reason code and properties (pass reason -1 for a v3 DISCONNECT). */
    public RawClient disconnect(int reason, MqttProperties props) {
        MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0);
        return send(reason < 0 ? new MqttMessage(fh) : new MqttMessage(fh, new MqttReasonCodeAndPropertiesVariableHeader((byte) reason, props)));
    }

    // ---- receiving ----------------------------------------------------------------------

    /** The next packet received, waiting up to five seconds; fails when none comes. */
    public MqttMessage next() {
        MqttMessage m = poll(WAIT);
        if (m == null) {
            throw new AssertionError("no packet received within " + WAIT + (channel.isActive() ? "" : " (connection closed)"));
        }
        return m;
    }

    public MqttMessage poll(Duration d) {
        try {
            return received.poll(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next packet, which must be of this type. */
    @SuppressWarnings("unchecked")
    public <T extends MqttMessage> T expect(MqttMessageType type) {
        MqttMessage m = next();
        if (m.decoderResult().isFailure()) {
            throw new AssertionError("undecodable packet: " + m.decoderResult().cause());
        }
        if (m.fixedHeader().messageType() != type) {
            throw new AssertionError("expected " + type + " but got " + m);
        }
        return (T) m;
    }

    public MqttPublishMessage expectPublish() {
        return expect(MqttMessageType.PUBLISH);
    }

    /**
     * Sends PINGREQ and returns what arrived before the PINGRESP. The broker answers on the
     * connection's event loop after everything it had already handed to the connection, so an
     * empty list shows nothing else was on its way.
     */
    public List<MqttMessage> ping() {
        send(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0)));
        List<MqttMessage> before = new ArrayList<>();
        for (MqttMessage m = next(); m.fixedHeader().messageType() != MqttMessageType.PINGRESP; m = next()) {
            before.add(m);
        }
        return before;
    }

    /** Everything received so far, removed from the queue. */
    public List<MqttMessage> drain() {
        List<MqttMessage> out = new ArrayList<>();
        received.drainTo(out);
        return out;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Waits until the broker closed the connection; true when it did within the time. */
    public boolean awaitClosed(Duration d) {
        return channel.closeFuture().awaitUninterruptibly(d.toMillis());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    // ---- reading packets ----------------------------------------------------------------

    public static String text(MqttPublishMessage m) {
        return m.content().toString(StandardCharsets.UTF_8);
    }

    public static int packetId(MqttMessage m) {
        Object vh = m.variableHeader();
        if (vh instanceof MqttPublishVariableHeader p) {
            return p.packetId();
        }
        return ((MqttMessageIdVariableHeader) vh).messageId();
    }

    /** The reason code of a v5 PUBACK/PUBREC/PUBREL/PUBCOMP or DISCONNECT/AUTH (0 when absent). */
    public static int reasonCode(MqttMessage m) {
        Object vh = m.variableHeader();
        if (vh instanceof MqttPubReplyMessageVariableHeader r) {
            return r.reasonCode() & 0xff;
        }
        if (vh instanceof MqttReasonCodeAndPropertiesVariableHeader r) {
            return r.reasonCode() & 0xff;
        }
        return 0;
    }

    /** Integer property values of a packet's properties (e.g. all subscription identifiers). */
    public static List<Integer> intProps(MqttProperties p, MqttProperties.MqttPropertyType t) {
        List<Integer> out = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> prop : p.getProperties(t.value())) {
            out.add((Integer) prop.value());
        }
        return out;
    }

    public static Object prop(MqttProperties p, MqttProperties.MqttPropertyType t) {
        MqttProperties.MqttProperty<?> prop = p.getProperty(t.value());
        return prop == null ? null : prop.value();
    }
}
