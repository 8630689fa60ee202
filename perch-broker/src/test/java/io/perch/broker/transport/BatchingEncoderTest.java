package io.perch.broker.transport;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BatchingEncoderTest {
    private static final String[] TOPICS = {"a", "b/ret/17", "ü/日本/\uD834\uDD1E", "x".repeat(300)};
    private static final int[] PAYLOADS = {0, 1, 50, 121, 122, 200, 16_375, 16_376, 20_000, 70_000};
    private static final int[] REASONS = {0, 0x10, 0x80, 0x92};

    /** Netty's encoder alone: the reference bytes. */
    private static EmbeddedChannel reference(boolean v5) {
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.INSTANCE);
        connect(ch, v5);
        return ch;
    }

    private static EmbeddedChannel batching(boolean v5) {
        EmbeddedChannel ch = new EmbeddedChannel(new BatchingEncoder(() -> v5)); // as the listener's pipeline
        connect(ch, v5);
        return ch;
    }

    /** Netty's encoder takes the version for later packets from the CONNECT it encodes. */
    private static void connect(EmbeddedChannel ch, boolean v5) {
        ch.writeOutbound(MqttMessageBuilders.connect().clientId("c")
                .protocolVersion(v5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1).build());
        drain(ch);
    }

    private static byte[] drain(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
            b.release();
        }
        return out.toByteArray();
    }

    private static MqttPublishMessage publish(String topic, MqttQoS qos, int packetId, int payloadSize,
                                              MqttProperties props) {
        byte[] payload = new byte[payloadSize];
        new Random(payloadSize).nextBytes(payload);
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new MqttPublishVariableHeader(topic, packetId, props), Unpooled.wrappedBuffer(payload));
    }

    /** A packet drawn from {@code r}: mostly PUBLISH and its replies, some of every variant. */
    private static MqttMessage packet(Random r, boolean v5) {
        int kind = r.nextInt(10);
        if (kind < 6) {
            MqttQoS qos = MqttQoS.valueOf(r.nextInt(3));
            MqttProperties props = v5 && r.nextBoolean() ? publishProperties(r) : new MqttProperties();
            byte[] payload = new byte[PAYLOADS[r.nextInt(PAYLOADS.length)]];
            r.nextBytes(payload);
            return new MqttPublishMessage(
                    new MqttFixedHeader(MqttMessageType.PUBLISH, r.nextBoolean(), qos, r.nextBoolean(), 0),
                    new MqttPublishVariableHeader(TOPICS[r.nextInt(TOPICS.length)], 1 + r.nextInt(65535), props),
                    Unpooled.wrappedBuffer(payload));
        }
        if (kind < 9) {
            MqttMessageType type = List.of(MqttMessageType.PUBACK, MqttMessageType.PUBREC, MqttMessageType.PUBREL,
                    MqttMessageType.PUBCOMP).get(r.nextInt(4));
            MqttFixedHeader fh = new MqttFixedHeader(type, false,
                    type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE, false, 0);
            int id = 1 + r.nextInt(65535);
            if (r.nextInt(3) == 0) {
                return new MqttMessage(fh, MqttMessageIdVariableHeader.from(id));
            }
            MqttProperties props = new MqttProperties();
            if (r.nextInt(4) == 0) {
                props.add(new MqttProperties.StringProperty(
                        MqttProperties.MqttPropertyType.REASON_STRING.value(), "because"));
            }
            int reason = REASONS[r.nextInt(REASONS.length)];
            // Not a success with only user properties: Netty drops those (see the test below).
            if (r.nextInt(4) == 0 && (reason != 0 || !props.isEmpty())) {
                props.add(new MqttProperties.UserProperty("trace", "ü-" + id));
            }
            return new MqttMessage(fh, new MqttPubReplyMessageVariableHeader(id, (byte) reason, props));
        }
        return MqttMessageBuilders.subAck().packetId(1 + r.nextInt(65535)).addGrantedQos(MqttQoS.AT_LEAST_ONCE)
                .build();
    }

    /** Some of every property a PUBLISH the broker sends may carry. */
    private static MqttProperties publishProperties(Random r) {
        MqttProperties props = new MqttProperties();
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(8)) {
                case 0 -> props.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), r.nextInt(2)));
                case 1 -> props.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), r.nextInt()));
                case 2 -> props.add(new MqttProperties.StringProperty(
                        MqttProperties.MqttPropertyType.CONTENT_TYPE.value(), "application/json; 日本"));
                case 3 -> props.add(new MqttProperties.StringProperty(
                        MqttProperties.MqttPropertyType.RESPONSE_TOPIC.value(), "reply/" + r.nextInt(100)));
                case 4 -> props.add(new MqttProperties.BinaryProperty(
                        MqttProperties.MqttPropertyType.CORRELATION_DATA.value(), new byte[r.nextInt(40)]));
                case 5 -> props.add(new MqttProperties.UserProperty("k" + r.nextInt(3), "v\uD834\uDD1E" + i));
                case 6 -> props.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(),
                        List.of(1, 127, 128, 16_384, 268_435_455).get(r.nextInt(5))));
                default -> props.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.TOPIC_ALIAS.value(), 1 + r.nextInt(65535)));
            }
        }
        return props;
    }

    @Test
    void aSuccessfulReplyKeepsItsUserProperties() {
        EmbeddedChannel ch = batching(true);
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.UserProperty("trace", "42"));
        ch.writeOutbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE,
                false, 0), new MqttPubReplyMessageVariableHeader(7, (byte) 0, props)));
        byte[] bytes = drain(ch);

        EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder());
        EmbeddedChannel connectBytes = new EmbeddedChannel(MqttEncoder.INSTANCE);
        connectBytes.writeOutbound(MqttMessageBuilders.connect().clientId("c").protocolVersion(MqttVersion.MQTT_5)
                .build());
        decoder.writeInbound(Unpooled.wrappedBuffer(drain(connectBytes))); // v5 from here on
        decoder.writeInbound(Unpooled.wrappedBuffer(bytes));
        decoder.readInbound(); // the CONNECT
        MqttMessage ack = decoder.readInbound();
        MqttPubReplyMessageVariableHeader h = (MqttPubReplyMessageVariableHeader) ack.variableHeader();
        assertThat(h.messageId()).isEqualTo(7);
        assertThat(h.reasonCode()).isZero();
        assertThat(h.properties().getProperties(MqttProperties.MqttPropertyType.USER_PROPERTY.value()))
                .extracting(p -> ((MqttProperties.UserProperty) p).value())
                .containsExactly(new MqttProperties.StringPair("trace", "42"));
        ch.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
    }

    @Test
    void aPropertyNettyWouldRefuseFailsThereAsBefore() {
        EmbeddedChannel ch = batching(true);
        MqttProperties wrong = new MqttProperties();
        wrong.add(new MqttProperties.StringProperty(
                MqttProperties.MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), "sixty"));
        ChannelFuture failed = ch.write(publish("a", MqttQoS.AT_MOST_ONCE, 0, 3, wrong));
        assertThat(failed.cause()).isInstanceOf(EncoderException.class);
        ch.write(publish("b", MqttQoS.AT_MOST_ONCE, 0, 3, MqttProperties.NO_PROPERTIES), ch.voidPromise());
        ch.flush();
        assertThat(drain(ch)).hasSize(1 + 1 + 2 + 1 + 1 + 3);
        ch.finishAndReleaseAll();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writesTheBytesNettysEncoderWrites(boolean v5) {
        EmbeddedChannel ref = reference(v5);
        EmbeddedChannel ch = batching(v5);
        Random flushes = new Random(7);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        List<Integer> ends = new ArrayList<>(); // where each packet ends in the expected bytes
        for (int i = 0; i < 2_000; i++) {
            ref.writeOutbound(packet(new Random(i), v5));
            expected.writeBytes(drain(ref));
            ends.add(expected.size());
            ch.write(packet(new Random(i), v5), ch.voidPromise());
            if (flushes.nextInt(8) == 0) {
                ch.flush();
                actual.writeBytes(drain(ch));
            }
        }
        ch.flush();
        actual.writeBytes(drain(ch));
        byte[] want = expected.toByteArray();
        byte[] got = actual.toByteArray();
        int diff = java.util.Arrays.mismatch(want, got);
        if (diff >= 0) {
            int packet = 0;
            while (packet < ends.size() && ends.get(packet) <= diff) {
                packet++;
            }
            int start = packet == 0 ? 0 : ends.get(packet - 1);
            MqttMessage m = packet(new Random(packet), v5);
            throw new AssertionError("packet " + packet + " (" + m + ") differs at byte " + (diff - start)
                    + ": expected " + java.util.Arrays.toString(java.util.Arrays.copyOfRange(want, start,
                    Math.min(want.length, start + 80))) + " got " + java.util.Arrays.toString(
                    java.util.Arrays.copyOfRange(got, start, Math.min(got.length, start + 80))));
        }
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aFlushOfManyPublishesIsOneBufferOnceTheSizeIsKnown() {
        EmbeddedChannel ch = batching(false);
        // Each: header byte, length byte, topic length, topic, packet id, payload.
        int bytes = 100 * (1 + 1 + 2 + "b/ret/".length() + 2 + 20) + 10 * 1 + 90 * 2;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 100; i++) {
                ch.write(publish("b/ret/" + i, MqttQoS.AT_LEAST_ONCE, i + 1, 20, MqttProperties.NO_PROPERTIES),
                        ch.voidPromise());
            }
            assertThat((Object) ch.readOutbound()).as("nothing before the flush").isNull();
            ch.flush();
            List<ByteBuf> buffers = new ArrayList<>();
            for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
                buffers.add(b);
            }
            assertThat(buffers.stream().mapToInt(ByteBuf::readableBytes).sum()).isEqualTo(bytes);
            // The first flush grows from a small buffer by doubling; the next is sized from it.
            assertThat(buffers).hasSizeLessThanOrEqualTo(round == 0 ? 7 : 1);
            buffers.forEach(ByteBuf::release);
        }
        ch.finishAndReleaseAll();
    }

    @Test
    void aFullBatchGoesOnWithoutWaitingForTheFlush() {
        EmbeddedChannel ch = batching(false);
        int written = 0;
        for (int i = 0; i < 50; i++) {
            ch.write(publish("t", MqttQoS.AT_MOST_ONCE, 0, 1000, MqttProperties.NO_PROPERTIES), ch.voidPromise());
            written += 1 + 2 + 2 + 1 + 1000;
        }
        // All but the last batch is in the channel's outbound buffer, where its writability counts it.
        assertThat(ch.unsafe().outboundBuffer().totalPendingWriteBytes())
                .isGreaterThan(written - BatchingEncoder.MAX_BATCH);
        ch.flush();
        assertThat(drain(ch)).hasSize(written);
        ch.finishAndReleaseAll();
    }

    @Test
    void aWriteWithItsOwnPromiseEndsTheBatchAndCompletesWithIt() {
        EmbeddedChannel ch = batching(true);
        ch.write(publish("a", MqttQoS.AT_MOST_ONCE, 0, 3, MqttProperties.NO_PROPERTIES), ch.voidPromise());
        ChannelFuture last = ch.write(publish("b", MqttQoS.AT_LEAST_ONCE, 9, 3, MqttProperties.NO_PROPERTIES));
        assertThat(last.isDone()).isFalse();
        assertThat(ch.unsafe().outboundBuffer().totalPendingWriteBytes()).as("passed on").isPositive();
        ch.flush();
        assertThat(last.isSuccess()).isTrue();
        ByteBuf one = ch.readOutbound();
        // Both packets in one buffer; the second has a packet id.
        assertThat(one.readableBytes()).isEqualTo((1 + 1 + 2 + 1 + 1 + 3) + (1 + 1 + 2 + 1 + 2 + 1 + 3));
        assertThat((Object) ch.readOutbound()).isNull();
        one.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void otherPacketsKeepTheirPlaceBetweenBatchedOnes() {
        EmbeddedChannel ref = reference(false);
        EmbeddedChannel ch = batching(false);
        List<MqttMessage> sequence = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            sequence.add(publish("a/" + round, MqttQoS.AT_LEAST_ONCE, 1, 5, MqttProperties.NO_PROPERTIES));
            sequence.add(MqttMessageBuilders.subAck().packetId(2).addGrantedQos(MqttQoS.AT_MOST_ONCE).build());
            sequence.add(MqttMessage.PINGRESP);
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (MqttMessage m : sequence) {
            ref.writeOutbound(m instanceof MqttPublishMessage p ? p.retainedDuplicate() : m);
            expected.writeBytes(drain(ref));
            ch.write(m, ch.voidPromise());
        }
        ch.flush();
        assertThat(drain(ch)).isEqualTo(expected.toByteArray());
        ch.finishAndReleaseAll();
    }

    @Test
    void releasesPayloadsAndABatchNeverFlushed() {
        Recording alloc = new Recording();
        EmbeddedChannel ch = batching(false);
        ch.config().setAllocator(alloc);
        MqttPublishMessage p = publish("a", MqttQoS.AT_MOST_ONCE, 0, 10, MqttProperties.NO_PROPERTIES);
        ByteBuf payload = p.payload();
        ch.write(p, ch.voidPromise());
        assertThat(payload.refCnt()).isZero();
        assertThat(alloc.made).hasSize(1);
        assertThat(alloc.made.get(0).refCnt()).isOne();
        ch.close();
        assertThat(alloc.made.get(0).refCnt()).as("the batch, released at the close").isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void aPacketThatCannotBeWrittenLeavesNothingOfItselfInTheBatch() {
        EmbeddedChannel ref = reference(false);
        EmbeddedChannel ch = batching(false);
        ch.write(publish("first", MqttQoS.AT_MOST_ONCE, 0, 4, MqttProperties.NO_PROPERTIES), ch.voidPromise());
        // A payload whose bytes are gone (a component released): the copy fails after the header.
        ByteBuf gone = Unpooled.buffer(8).writeZero(8);
        CompositeByteBuf payload = Unpooled.compositeBuffer().addComponent(true, gone);
        gone.release();
        MqttPublishMessage broken = new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPublishVariableHeader("broken", 3, MqttProperties.NO_PROPERTIES), payload);
        ChannelFuture failed = ch.write(broken);
        assertThat(failed.cause()).isNotNull();
        ch.write(publish("next", MqttQoS.AT_MOST_ONCE, 0, 4, MqttProperties.NO_PROPERTIES), ch.voidPromise());
        ch.flush();

        ref.writeOutbound(publish("first", MqttQoS.AT_MOST_ONCE, 0, 4, MqttProperties.NO_PROPERTIES));
        ref.writeOutbound(publish("next", MqttQoS.AT_MOST_ONCE, 0, 4, MqttProperties.NO_PROPERTIES));
        assertThat(drain(ch)).isEqualTo(drain(ref));
        ch.finishAndReleaseAll();
    }

    /** Unpooled buffers, each one kept, so a test can see whether it was released. */
    private static final class Recording extends AbstractByteBufAllocator {
        final List<ByteBuf> made = new ArrayList<>();

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return keep(UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return keep(UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
        }

        private ByteBuf keep(ByteBuf b) {
            made.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
