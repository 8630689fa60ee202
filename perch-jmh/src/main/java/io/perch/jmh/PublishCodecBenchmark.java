package io.perch.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The broker's codec work per message: decode an inbound 64-byte QoS 1 PUBLISH and encode an
 * outbound one, with the same Netty handlers the pipeline uses (MQTT 3.1.1 framing).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PublishCodecBenchmark {
    EmbeddedChannel decoder;
    EmbeddedChannel encoder;
    byte[] encoded;
    byte[] payload = new byte[64];

    @Setup
    public void setup() {
        decoder = new EmbeddedChannel(new MqttDecoder(1024 * 1024));
        encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        encoder.writeOutbound(publish());
        ByteBuf b = encoder.readOutbound();
        encoded = new byte[b.readableBytes()];
        b.readBytes(encoded);
        b.release();
    }

    private MqttPublishMessage publish() {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPublishVariableHeader("site/42/device/7/temp", 17), Unpooled.wrappedBuffer(payload));
    }

    @Benchmark
    public void decode(Blackhole bh) {
        decoder.writeInbound(Unpooled.wrappedBuffer(encoded));
        Object m = decoder.readInbound();
        bh.consume(m);
        ReferenceCountUtil.release(m);
    }

    @Benchmark
    public void encode(Blackhole bh) {
        encoder.writeOutbound(publish());
        ByteBuf b = encoder.readOutbound();
        bh.consume(b.readableBytes());
        b.release();
    }
}
