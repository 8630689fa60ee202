package io.perch.bench.jmh;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark's workload does real work, and the JMH annotation processor registered it. */
class PublishCodecTest {

    @Test
    void encodedPublishesDecodeToTheirSequence() {
        try (PublishCodec codec = new PublishCodec("bench/devices/42/telemetry", 256)) {
            for (long expected = 0; expected < 3; expected++) {
                long before = System.nanoTime();
                ByteBuf wire = codec.encode();
                // fixed header 3 (remaining length 286 takes 2 bytes) + topic 2+26 + packet id 2 + payload 256
                assertThat(wire.readableBytes()).isEqualTo(3 + 28 + 2 + 256);
                assertThat(codec.decode(wire)).isEqualTo(expected);
                assertThat(codec.decode(wire)).as("decode must not consume the input").isEqualTo(expected);
                assertThat(codec.lastSendNanos()).isGreaterThanOrEqualTo(before);
                wire.release();
            }
        }
    }

    @Test
    void benchmarkListNamesTheCodecBenchmarks() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
            assertThat(in).as("jmh-generator-annprocess did not run").isNotNull();
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(list).contains("io.perch.bench.jmh.PublishCodecBenchmark")
                    .contains("PublishCodecBenchmark_encodePublish_jmhTest")
                    .contains("PublishCodecBenchmark_decodePublish_jmhTest");
        }
    }
}
