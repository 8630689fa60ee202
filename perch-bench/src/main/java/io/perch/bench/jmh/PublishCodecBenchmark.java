package io.perch.bench.jmh;

import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The load tool's own hot path: what each published and each received message costs the
 * client, so that a bench result can be told apart from the bench's own limits.
 * Run: {@code java -cp 'perch-bench/target/perch-bench-*.jar:perch-bench/target/lib/*'
 * org.openjdk.jmh.Main PublishCodecBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PublishCodecBenchmark {
    @Param({"256"})
    public int payloadSize;

    private PublishCodec codec;
    private ByteBuf wire;

    @Setup(Level.Trial)
    public void setUp() {
        codec = new PublishCodec("bench/devices/42/telemetry", payloadSize);
        wire = codec.encode();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        wire.release();
        codec.close();
    }

    @Benchmark
    public int encodePublish() {
        ByteBuf out = codec.encode();
        int n = out.readableBytes();
        out.release();
        return n;
    }

    @Benchmark
    public long decodePublish() {
        return codec.decode(wire);
    }
}
