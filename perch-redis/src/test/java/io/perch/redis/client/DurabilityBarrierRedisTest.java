package io.perch.redis.client;

import io.perch.redis.config.PoolType;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static io.perch.redis.client.PipelineRig.durableHset;
import static io.perch.redis.client.PipelineRig.durableRpush;
import static io.perch.redis.client.PipelineRig.get;
import static io.perch.redis.client.PipelineRig.plainHset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The pipeline's WAIT barrier against real redis-server processes: with a real replica, with
 * the replica gone or never started, across a lost connection, and with results in submission
 * order. WAITAOF and the refusals are in {@link DurabilityCheckRedisTest}.
 */
class DurabilityBarrierRedisTest {
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

    static List<Object> join(RedisOp op) {
        return op.result().orTimeout(30, TimeUnit.SECONDS).join();
    }

    static long calls(TestRedis redis, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(redis.cli().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static TestRedis replicaOf(TestRedis master) {
        TestRedis replica = TestRedis.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> replica.cli().info("replication").contains("master_link_status:up"));
        } catch (RuntimeException e) {
            replica.close();
            throw e;
        }
        return replica;
    }

    @Test
    void replicasOneCompletesDurableWritesWithAReplicaAndFailsThemOnceItIsGone() {
        TestRedis master = keep(TestRedis.start());
        TestRedis replica = keep(replicaOf(master));
        PipelineRig rig = keep(new PipelineRig(master, PoolType.SINGLE, Durability.replicas(1, Duration.ofMillis(500))));
        // Queued before start, so one batch: scripted HSETs, a plain RPUSH, then one WAIT.
        List<RedisOp> ops = List.of(durableHset("k:a", "1"), durableRpush("list", "x"), plainHset("k:b", "2"),
                durableHset("k:c", "3"));
        ops.forEach(rig.pipeline::submit);
        rig.pipeline.start();
        rig.pipeline.checkDurability().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        ops.forEach(DurabilityBarrierRedisTest::join);
        assertThat(calls(master, "eval")).as("the HSETs went as a script").isPositive();
        assertThat(calls(master, "wait")).as("one WAIT after the batch").isEqualTo(1);
        assertThat(replica.cli().hget("k:c", "f")).isEqualTo("3");
        assertThat(replica.cli().lrange("list", 0, -1)).containsExactly("x");
        assertThat(rig.notDurable()).isZero();

        replica.kill();
        await().atMost(Duration.ofSeconds(20)).until(() -> master.cli().info("replication").contains("connected_slaves:0"));
        RedisOp unconfirmed = durableHset("k:d", "4");
        RedisOp write = plainHset("k:e", "5");
        RedisOp read = get("k:e");
        long started = System.nanoTime();
        rig.pipeline.submit(unconfirmed);
        rig.pipeline.submit(write);
        rig.pipeline.submit(read);
        assertThatThrownBy(() -> join(unconfirmed)).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(NotDurableException.class)
                .hasMessage("0 of 1 replicas acknowledged within 500 ms (persistence.ack = replicas:1)");
        assertThat(System.nanoTime() - started).as("after WAIT's timeout")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(450));
        assertThat(join(write)).hasSize(1);
        assertThat(join(read)).hasSize(1);
        assertThat(new String((byte[]) join(read).get(0))).isEqualTo("5");
        // Applied on the master, only not confirmed.
        assertThat(master.cli().hget("k:d", "f")).isEqualTo("4");
        assertThat(rig.notDurable()).isEqualTo(1);
    }

    @Test
    void withNoReplicaDurableWritesFailAfterTheTimeoutAndTheRestComplete() {
        TestRedis master = keep(TestRedis.start());
        PipelineRig rig = keep(new PipelineRig(master, PoolType.SINGLE, Durability.replicas(1, Duration.ofMillis(300))));
        rig.pipeline.start();
        // A missing replica is not a refusal: one may connect later.
        rig.pipeline.checkDurability().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        List<RedisOp> durable = IntStream.range(0, 20).mapToObj(i -> durableHset("d:" + i, "v")).toList();
        List<RedisOp> plain = IntStream.range(0, 20).mapToObj(i -> plainHset("p:" + i, "v")).toList();
        for (int i = 0; i < 20; i++) {
            rig.pipeline.submit(durable.get(i));
            rig.pipeline.submit(plain.get(i));
        }
        RedisOp read = get("p:19");
        rig.pipeline.submit(read);
        for (RedisOp op : durable) {
            assertThatThrownBy(() -> join(op)).cause().isInstanceOf(NotDurableException.class)
                    .hasMessageContaining("0 of 1 replicas acknowledged within 300 ms");
        }
        plain.forEach(DurabilityBarrierRedisTest::join);
        assertThat(join(read)).hasSize(1);
        assertThat(rig.notDurable()).isEqualTo(20);
        assertThat(rig.pipeline.backlog()).isZero();
        assertThat(master.cli().keys("d:*")).hasSize(20);

        // A replica arrives: durable writes are confirmed again. On a loaded machine its first
        // acknowledgement can take longer than the 300 ms this test allows, so the write is
        // tried until one is confirmed; each failure is counted like any other.
        TestRedis replica = keep(replicaOf(master));
        int[] tries = {0};
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            RedisOp confirmed = durableHset("d:confirmed:" + ++tries[0], "v");
            rig.pipeline.submit(confirmed);
            try {
                join(confirmed);
                return true;
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(NotDurableException.class);
                return false;
            }
        });
        assertThat(replica.cli().hget("d:confirmed:" + tries[0], "f")).isEqualTo("v");
        assertThat(rig.notDurable()).isEqualTo(20 + tries[0] - 1);
    }

    @Test
    void resultsCompleteInSubmissionOrder() {
        TestRedis master = keep(TestRedis.start());
        TestRedis replica = keep(replicaOf(master));
        PipelineRig rig = keep(new PipelineRig(master, PoolType.SINGLE, Durability.replicas(1, Duration.ofSeconds(2))));
        List<Integer> completed = Collections.synchronizedList(new ArrayList<>());
        List<RedisOp> ops = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            RedisOp op;
            switch (i % 4) {
                case 0:
                    op = durableHset("o:" + i, "v");
                    break;
                case 1:
                    op = plainHset("o:" + i, "v");
                    break;
                case 2:
                    op = durableRpush("o:list", Integer.toString(i));
                    break;
                default:
                    op = get("o:" + (i - 3));
            }
            int n = i;
            op.result().whenComplete((v, e) -> completed.add(n));
            ops.add(op);
        }
        // Half before start (one batch), half while it runs (further batches).
        ops.subList(0, 150).forEach(rig.pipeline::submit);
        rig.pipeline.start();
        ops.subList(150, 300).forEach(rig.pipeline::submit);
        // Polled, not joined: a thread blocked in join() may run the callbacks of the future it
        // waits for itself, late, and the list would show its order rather than the pipeline's.
        await().atMost(Duration.ofSeconds(30)).until(() -> ops.stream().allMatch(op -> op.result().isDone()));
        ops.forEach(DurabilityBarrierRedisTest::join);
        assertThat(completed).containsExactlyElementsOf(IntStream.range(0, 300).boxed().toList());
        assertThat(replica.cli().llen("o:list")).isEqualTo(75);
    }

    @Test
    void aConnectionLostBeforeTheBarrierRepliedReplaysTheWritesAndTheBarrier() {
        TestRedis master = keep(TestRedis.start());
        // No replica yet: WAIT holds the reply for up to 20 s, during which Redis dies.
        PipelineRig rig = keep(new PipelineRig(master, PoolType.SINGLE, Durability.replicas(1, Duration.ofSeconds(20))));
        rig.pipeline.start();
        await().atMost(Duration.ofSeconds(10)).until(rig.pipeline::isUp);
        RedisOp before = plainHset("r:0", "v");
        RedisOp durable = durableHset("r:1", "v");
        RedisOp after = plainHset("r:1", "w");
        rig.pipeline.submit(before);
        rig.pipeline.submit(durable);
        rig.pipeline.submit(after);
        await().atMost(Duration.ofSeconds(10)).until(() -> master.cli().info("clients").contains("blocked_clients:1"));
        master.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> !rig.pipeline.isUp());
        // Its reply came before the barrier's and it is not durable: done, not replayed.
        join(before);
        assertThat(durable.result()).as("kept for replay, not failed").isNotDone();
        assertThat(after.result()).isNotDone();

        master.restart();
        TestRedis replica = keep(replicaOf(master));
        join(durable);
        join(after);
        assertThat(calls(master, "wait")).as("the barrier was sent again").isPositive();
        // Replayed in order: the later write to the key still wins.
        assertThat(replica.cli().hget("r:1", "f")).isEqualTo("w");
        assertThat(rig.notDurable()).isZero();
    }
}
