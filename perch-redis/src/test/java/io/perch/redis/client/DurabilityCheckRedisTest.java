package io.perch.redis.client;

import io.perch.redis.config.PoolType;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.perch.redis.client.DurabilityBarrierRedisTest.calls;
import static io.perch.redis.client.DurabilityBarrierRedisTest.join;
import static io.perch.redis.client.PipelineRig.durableHset;
import static io.perch.redis.client.PipelineRig.plainHset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code fsync} (WAITAOF) against the installed redis-server: confirmed on 7.2 or newer,
 * refused with the operator's message on an older one; and a barrier refused on a cluster pool.
 */
class DurabilityCheckRedisTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    private static String version(TestRedis redis) {
        return DurabilityCheck.field(redis.cli().info("server"), "redis_version");
    }

    @Test
    void fsyncConfirmsDurableWritesOnRedis72WithAnAof() {
        TestRedis redis = keep(TestRedis.start("--appendonly", "yes", "--appendfsync", "everysec"));
        String version = version(redis);
        assumeTrue(DurabilityCheck.atLeast(version, 7, 2), "redis-server " + version + " is older than 7.2: no WAITAOF");
        PipelineRig rig = keep(new PipelineRig(redis, PoolType.SINGLE, Durability.fsync(Duration.ofSeconds(2))));
        rig.pipeline.start();
        rig.pipeline.checkDurability().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        List<RedisOp> ops = IntStream.range(0, 50).mapToObj(i -> i % 2 == 0 ? durableHset("f:" + i, "v") : plainHset("f:" + i, "v"))
                .toList();
        ops.forEach(rig.pipeline::submit);
        ops.forEach(DurabilityBarrierRedisTest::join);
        assertThat(calls(redis, "waitaof")).isPositive();
        assertThat(rig.notDurable()).isZero();
    }

    @Test
    void fsyncOnRedisOlderThan72IsRefusedWithTheFix() {
        TestRedis redis = keep(TestRedis.start());
        String version = version(redis);
        assumeTrue(!DurabilityCheck.atLeast(version, 7, 2), "redis-server " + version + " has WAITAOF");
        PipelineRig rig = keep(new PipelineRig(redis, PoolType.SINGLE, Durability.fsync(Duration.ofSeconds(1))));
        rig.pipeline.start();
        String expected = "persistence.ack = fsync needs Redis 7.2 or newer (WAITAOF), but pool p1 runs Redis " + version
                + ": upgrade Redis, or set persistence.ack = replicas:N or redis";
        assertThatThrownBy(() -> rig.pipeline.checkDurability().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join())
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(IllegalStateException.class).hasMessage(expected);
        // A plugin that went on anyway: durable writes fail with the same message, plain ones complete.
        RedisOp durable = durableHset("k", "v");
        RedisOp plain = plainHset("p", "v");
        rig.pipeline.submit(durable);
        rig.pipeline.submit(plain);
        assertThatThrownBy(() -> join(durable)).cause().isInstanceOf(NotDurableException.class).hasMessage(expected);
        join(plain);
        assertThat(calls(redis, "waitaof")).as("never sent").isZero();
        assertThat(rig.notDurable()).isEqualTo(1);
    }

    @Test
    void aBarrierOnAClusterPoolIsRefused() {
        TestRedis node = keep(TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"));
        node.cli().clusterAddSlots(IntStream.rangeClosed(0, 16383).toArray());
        await().atMost(Duration.ofSeconds(30)).until(() -> node.cli().clusterInfo().contains("cluster_state:ok"));
        PipelineRig rig = keep(new PipelineRig(node, PoolType.CLUSTER, Durability.replicas(1, Duration.ofSeconds(1))));
        rig.pipeline.start();
        assertThatThrownBy(() -> rig.pipeline.checkDurability().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join())
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("persistence.ack = replicas:1 is not supported on cluster pool p1: WAIT/WAITAOF would reach"
                        + " one node only, not the masters that hold the writes; use persistence.ack = redis for this pool");
    }

    @Test
    void theCheckPassesForReplyAndFailsWhenThePipelineStopsFirst() {
        TestRedis redis = keep(TestRedis.start());
        PipelineRig rig = keep(new PipelineRig(redis, PoolType.SINGLE, Durability.REPLY));
        rig.pipeline.start();
        rig.pipeline.checkDurability().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();

        TestRedis gone = TestRedis.start();
        gone.close();
        PipelineRig down = new PipelineRig(gone, PoolType.SINGLE, Durability.replicas(1, Duration.ofSeconds(1)));
        down.pipeline.start();
        assertThat(down.pipeline.checkDurability().toCompletableFuture()).isNotDone();
        down.close();
        assertThatThrownBy(() -> down.pipeline.checkDurability().toCompletableFuture().join())
                .cause().hasMessageContaining("stopped before persistence.ack = replicas:1 could be checked");
    }
}
