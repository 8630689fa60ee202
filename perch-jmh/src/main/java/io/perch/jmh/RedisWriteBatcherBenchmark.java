package io.perch.jmh;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.redis.client.ArgvCall;
import io.perch.redis.client.BackendMetrics;
import io.perch.redis.client.CommandPipeline;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.client.RedisCall;
import io.perch.redis.client.RedisOp;
import io.perch.redis.config.HostPort;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;
import io.perch.redis.config.TlsConfig;
import io.perch.redis.embedded.RedisBinary;
import io.perch.redis.embedded.RedisProcess;
import org.openjdk.jmh.annotations.*;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Redis write batcher: what persisting one QoS 1 message costs through the pipeline that
 * {@code on_message_publish} uses (HSET of the message hash, EXPIRE, ZADD to the topic's set),
 * against a real redis-server started for the benchmark on a free port (the one on PATH, else
 * the binary bundled with embedded-redis). One invocation submits 1,000 messages and waits for
 * the last: the score is persisted messages per second, bounded by Redis throughput, not by
 * one round trip per message.
 * <pre>java -cp 'perch-jmh/target/perch-jmh-0.1.0-SNAPSHOT.jar:perch-jmh/target/lib/*' io.perch.jmh.BenchmarksMain RedisWriteBatcher</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedisWriteBatcherBenchmark {
    private static final int BATCH = 1000;

    RedisProcess redis;
    ClientResources resources;
    PoolConnector connector;
    CommandPipeline pipeline;
    byte[] payload = new byte[64];
    long seq;

    @Setup(Level.Trial)
    public void start() throws IOException {
        Path dir = Files.createTempDirectory("perch-jmh-redis");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = RedisProcess.start(RedisBinary.pathOrBundled(dir), "127.0.0.1", port, dir.resolve("data"),
                List.of("--save", ""), Duration.ofSeconds(10));
        PoolConfig pool = new PoolConfig("jmh", PoolType.SINGLE, List.of(new HostPort("127.0.0.1", port)), null, 1, 0,
                null, null, "mqtt_channel", TlsConfig.OFF);
        resources = DefaultClientResources.create();
        connector = new PoolConnector(pool, resources, Duration.ofSeconds(5));
        pipeline = new CommandPipeline("jmh", connector::connect, new BackendMetrics(new SimpleMeterRegistry()),
                1_000_000, Duration.ofSeconds(5));
        pipeline.start();
    }

    @TearDown(Level.Trial)
    public void stop() {
        pipeline.close();
        connector.close();
        resources.shutdown();
        redis.close();
    }

    /**
     * {@code script}: the writes as the built-in functions make them ({@link ArgvCall}), which
     * the pipeline runs as one EVAL per run; {@code plain}: the same commands as plain Lettuce
     * calls, one Lettuce command each (what a cluster pool or a user's commands rule costs).
     */
    @Param({"script", "plain"})
    public String mode;

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object persistMessages() {
        CompletableFuture<List<Object>> last = null;
        byte[] set = "mqtt:msg:bench/topic".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < BATCH; i++) {
            long n = seq++;
            byte[] id = ("id" + n).getBytes(StandardCharsets.US_ASCII);
            byte[] key = ("mqtt:msg:id" + n).getBytes(StandardCharsets.US_ASCII);
            java.util.Map<byte[], byte[]> hash = new java.util.LinkedHashMap<>();
            hash.put("id".getBytes(), id);
            hash.put("payload".getBytes(), payload);
            hash.put("topic".getBytes(), "bench/topic".getBytes());
            hash.put("qos".getBytes(), "1".getBytes());
            RedisCall hset = r -> r.hset(key, hash);
            RedisCall expire = r -> r.expire(key, 3600);
            RedisCall zadd = r -> r.zadd(set, (double) n, id);
            List<RedisCall> calls = mode.equals("plain") ? List.of(hset, expire, zadd) : List.of(
                    ArgvCall.of(hset, "HSET", key, "id", id, "payload", payload, "topic", "bench/topic", "qos", "1"),
                    ArgvCall.of(expire, "EXPIRE", key, 3600),
                    ArgvCall.appendToSet(zadd, set, (double) n, id));
            last = pipeline.submit(RedisOp.write("on_message_publish", calls));
        }
        return last.join();
    }
}
