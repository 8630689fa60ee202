package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PacketCumulatorTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private static ByteBuf bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return Unpooled.wrappedBuffer(b);
    }

    @Test
    void aLargePacketInProgressIsComposedNotCopied() {
        ByteBuf pending = bytes(PacketCumulator.COMPOSE_FROM, 1);
        ByteBuf in = bytes(65_536, 2);
        ByteBuf out = PacketCumulator.INSTANCE.cumulate(ALLOC, pending, in);
        assertThat(out).isInstanceOf(CompositeByteBuf.class);
        assertThat(out.readableBytes()).isEqualTo(PacketCumulator.COMPOSE_FROM + 65_536);
        assertThat(out.getByte(PacketCumulator.COMPOSE_FROM)).isEqualTo(in.getByte(0));
        out.release();
        assertThat(pending.refCnt()).isZero();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void aSmallRemainderGoesBackToOneBuffer() {
        ByteBuf first = bytes(10_000, 3);
        ByteBuf composed = PacketCumulator.INSTANCE.cumulate(ALLOC, first, bytes(10_000, 4));
        composed.skipBytes(20_000 - 100); // the decoder took all but the start of a small packet
        ByteBuf in = bytes(500, 5);
        byte[] expected = new byte[600];
        composed.getBytes(composed.readerIndex(), expected, 0, 100);
        in.getBytes(0, expected, 100, 500);

        ByteBuf out = PacketCumulator.INSTANCE.cumulate(ALLOC, composed, in);

        assertThat(out).isNotInstanceOf(CompositeByteBuf.class);
        byte[] actual = new byte[out.readableBytes()];
        out.readBytes(actual);
        assertThat(actual).isEqualTo(expected);
        out.release();
        assertThat(composed.refCnt()).isZero();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void theStartOfASmallPacketIsCopiedAsNettyWould() {
        ByteBuf pending = ALLOC.buffer(64, 1024).writeBytes(new byte[] {1, 2, 3});
        ByteBuf out = PacketCumulator.INSTANCE.cumulate(ALLOC, pending, Unpooled.wrappedBuffer(new byte[] {4, 5}));
        assertThat(out).isSameAs(pending).isNotInstanceOf(CompositeByteBuf.class);
        assertThat(out.readableBytes()).isEqualTo(5);
        out.release();
    }

    /**
     * Packets of every size, cut into reads at random places, decode to what was encoded, and
     * every read buffer is released: the cumulator moves between copying and composing as the
     * packets in progress grow and shrink.
     */
    @Test
    void randomPacketsCutAnywhereDecodeWhole() {
        Random random = new Random(20261130);
        int[] sizes = {0, 1, 100, 4_000, 4_095, 4_096, 10_000, 65_536, 200_000};
        List<byte[]> payloads = new ArrayList<>();
        EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        encoder.writeOutbound(MqttMessageBuilders.connect().clientId("c")
                .protocolVersion(MqttVersion.MQTT_3_1_1).build());
        for (int i = 0; i < 400; i++) {
            byte[] payload = new byte[sizes[random.nextInt(sizes.length)]];
            random.nextBytes(payload);
            payloads.add(payload);
            encoder.writeOutbound(MqttMessageBuilders.publish().topicName("t/" + i).qos(MqttQoS.AT_LEAST_ONCE)
                    .messageId(1 + i).payload(Unpooled.wrappedBuffer(payload)).build());
        }
        ByteBuf stream = Unpooled.buffer();
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            stream.writeBytes(b);
            b.release();
        }

        MqttDecoder decoder = new MqttDecoder(1024 * 1024);
        decoder.setCumulator(PacketCumulator.INSTANCE);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<ByteBuf> reads = new ArrayList<>();
        while (stream.isReadable()) {
            int n = Math.min(stream.readableBytes(), 1 + random.nextInt(random.nextBoolean() ? 100 : 80_000));
            ByteBuf read = ALLOC.directBuffer(n).writeBytes(stream, n);
            reads.add(read);
            channel.writeInbound(read);
        }

        MqttMessage connect = channel.readInbound();
        assertThat(connect.fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNECT);
        for (int i = 0; i < payloads.size(); i++) {
            MqttPublishMessage publish = channel.readInbound();
            assertThat(publish.decoderResult().isSuccess()).isTrue();
            assertThat(publish.variableHeader().topicName()).isEqualTo("t/" + i);
            byte[] actual = new byte[publish.content().readableBytes()];
            publish.content().getBytes(publish.content().readerIndex(), actual);
            assertThat(Arrays.equals(actual, payloads.get(i))).as("payload %d", i).isTrue();
            publish.release();
        }
        assertThat((Object) channel.readInbound()).isNull();
        channel.finishAndReleaseAll();
        assertThat(reads).allSatisfy(r -> assertThat(r.refCnt()).isZero());
    }
}
