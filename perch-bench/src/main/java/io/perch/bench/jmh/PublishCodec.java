package io.perch.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.perch.bench.payload.Stamp;

/**
 * The bench client's per-message codec work, outside any benchmark framework so that a unit
 * test can check it does what the benchmark claims to measure: build and encode one stamped
 * QoS 1 PUBLISH, and decode one and read its stamp. Pipelines are EmbeddedChannels, the same
 * encoder and decoder the live client uses.
 */
public final class PublishCodec implements AutoCloseable {
    private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
    private final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(268_435_455));
    private final MqttFixedHeader header =
            new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0);
    private final String topic;
    private final int payloadSize;
    private long seq;
    private long lastSendNanos;

    public PublishCodec(String topic, int payloadSize) {
        this.topic = topic;
        this.payloadSize = payloadSize;
    }

    /** Encodes the next stamped PUBLISH; the caller owns (and must release) the bytes. */
    public ByteBuf encode() {
        ByteBuf payload = ByteBufAllocator.DEFAULT.buffer(payloadSize);
        Stamp.write(payload, payloadSize, System.nanoTime(), 7, seq);
        int packetId = (int) (seq++ % 65535) + 1;
        MqttPublishVariableHeader vh = new MqttPublishVariableHeader(topic, packetId, MqttProperties.NO_PROPERTIES);
        encoder.writeOutbound(new MqttPublishMessage(header, vh, payload));
        return encoder.readOutbound();
    }

    /**
     * Decodes one PUBLISH from {@code wire} (not consumed: a retained duplicate is fed in) and
     * returns its stamped sequence number, -1 if it is not a stamped PUBLISH.
     */
    public long decode(ByteBuf wire) {
        decoder.writeInbound(wire.retainedDuplicate());
        MqttPublishMessage msg = decoder.readInbound();
        try {
            ByteBuf p = msg.payload();
            if (!Stamp.isStamped(p)) {
                return -1;
            }
            // The receiver reads the send time too; keep that read in the measured work.
            lastSendNanos = Stamp.sendNanos(p);
            return Stamp.sequence(p);
        } finally {
            msg.release();
        }
    }

    /** Send time of the last decoded message. */
    public long lastSendNanos() {
        return lastSendNanos;
    }

    @Override
    public void close() {
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
    }
}
