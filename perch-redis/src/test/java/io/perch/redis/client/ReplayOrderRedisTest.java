package io.perch.redis.client;

import io.lettuce.core.ScriptOutputType;
import io.perch.redis.config.PoolType;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An op that goes back to be retried (here: Redis answers it with a transient LOADING error
 * once) holds back the completion of the ops answered after it in its batch: results complete
 * in submission order, as publishers' acknowledgements need, and the later ops are not sent twice.
 */
class ReplayOrderRedisTest {
    private final TestRedis redis = TestRedis.start();
    private final PipelineRig rig = new PipelineRig(redis, PoolType.SINGLE, Durability.REPLY);

    @AfterEach
    void stop() {
        rig.close();
        redis.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A write Redis refuses with LOADING the first time only (its own counter says which time it is). */
    private static RedisOp loadingOnce(String counter) {
        String script = "if redis.call('INCR', KEYS[1]) == 1 then return redis.error_reply('LOADING once') end "
                + "return redis.call('RPUSH', KEYS[2], 'first')";
        return RedisOp.write("once", List.of(r -> r.eval(script, ScriptOutputType.INTEGER, new byte[][]{b(counter), b("order")})));
    }

    /** Records completions in order; polled rather than joined (a joining thread may run a callback itself, late). */
    private static void awaitAll(List<RedisOp> ops) {
        await().atMost(Duration.ofSeconds(30)).until(() -> ops.stream().allMatch(op -> op.result().isDone()));
    }

    private static List<String> recordCompletions(List<RedisOp> ops, List<String> names) {
        List<String> completed = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < ops.size(); i++) {
            String name = names.get(i);
            ops.get(i).result().whenComplete((v, e) -> completed.add(name));
        }
        return completed;
    }

    @Test
    void opsAnsweredAfterARetriedOneCompleteAfterIt() {
        RedisOp first = loadingOnce("tries");
        RedisOp second = RedisOp.write("second", List.of(r -> r.rpush(b("order"), b("second"))));
        RedisOp third = PipelineRig.plainHset("h", "v");
        List<RedisOp> ops = List.of(first, second, third);
        List<String> completed = recordCompletions(ops, List.of("first", "second", "third"));
        // One batch: submitted before the pipeline starts.
        ops.forEach(rig.pipeline::submit);
        rig.pipeline.start();
        awaitAll(ops);
        ops.forEach(op -> op.result().join());
        assertThat(completed).containsExactly("first", "second", "third");
        assertThat(redis.cli().get("tries")).isEqualTo("2");
        assertThat(redis.cli().lrange("order", 0, -1)).as("the later write was applied once, before the retried one")
                .containsExactly("second", "first");
    }

    @Test
    void anOpBetweenTwoRetriedOnesCompletesBetweenThem() {
        RedisOp first = loadingOnce("tries:1");
        RedisOp second = RedisOp.write("second", List.of(r -> r.rpush(b("order"), b("second"))));
        RedisOp third = loadingOnce("tries:3");
        RedisOp fourth = PipelineRig.plainHset("h", "v");
        List<RedisOp> ops = List.of(first, second, third, fourth);
        List<String> completed = recordCompletions(ops, List.of("first", "second", "third", "fourth"));
        ops.forEach(rig.pipeline::submit);
        rig.pipeline.start();
        awaitAll(ops);
        ops.forEach(op -> op.result().join());
        assertThat(completed).containsExactly("first", "second", "third", "fourth");
    }

    @Test
    void opsAfterAScriptRedisRefusesCompleteAfterItsWritesWentAgainAsCommands() {
        rig.pipeline.start();
        await().atMost(Duration.ofSeconds(10)).until(rig.pipeline::isUp);
        // The worker waits in a blocking read while the next ops queue up behind it, so they go as one batch.
        RedisOp blocker = RedisOp.read("block", List.of(r -> r.blpop(10, b("go"))));
        rig.pipeline.submit(blocker);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().info("clients").contains("blocked_clients:1"));
        // Scripts were allowed when the pipeline connected; now Redis refuses EVAL (NOPERM).
        redis.cli().aclSetuser("default", io.lettuce.core.AclSetuserArgs.Builder.on().nopass().allKeys()
                .allChannels().allCommands().removeCommand(io.lettuce.core.protocol.CommandType.EVAL));
        RedisOp scripted = PipelineRig.plainHset("s", "1");
        RedisOp plain = RedisOp.write("plain", List.of(r -> r.rpush(b("after"), b("x"))));
        List<RedisOp> ops = List.of(scripted, plain);
        List<String> completed = recordCompletions(ops, List.of("scripted", "plain"));
        ops.forEach(rig.pipeline::submit);
        redis.cli().rpush("go", "1");
        awaitAll(ops);
        ops.forEach(op -> op.result().join());
        assertThat(completed).containsExactly("scripted", "plain");
        assertThat(redis.cli().hget("s", "f")).as("sent again as a plain HSET").isEqualTo("1");
        assertThat(redis.cli().lrange("after", 0, -1)).containsExactly("x");
    }
}
