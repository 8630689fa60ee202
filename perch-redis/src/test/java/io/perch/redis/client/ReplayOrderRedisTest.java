package io.perch.redis.client;

import io.lettuce.core.ScriptOutputType;
import io.perch.redis.config.PoolType;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void opsAnsweredAfterARetriedOneCompleteAfterIt() {
        List<String> completed = Collections.synchronizedList(new ArrayList<>());
        RedisOp first = loadingOnce("tries");
        RedisOp second = RedisOp.write("second", List.of(r -> r.rpush(b("order"), b("second"))));
        RedisOp third = PipelineRig.plainHset("h", "v");
        first.result().whenComplete((v, e) -> completed.add("first"));
        second.result().whenComplete((v, e) -> completed.add("second"));
        third.result().whenComplete((v, e) -> completed.add("third"));
        // One batch: submitted before the pipeline starts.
        rig.pipeline.submit(first);
        rig.pipeline.submit(second);
        rig.pipeline.submit(third);
        rig.pipeline.start();
        third.result().orTimeout(30, TimeUnit.SECONDS).join();
        first.result().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(completed).containsExactly("first", "second", "third");
        assertThat(redis.cli().get("tries")).isEqualTo("2");
        assertThat(redis.cli().lrange("order", 0, -1)).as("the later write was applied once, before the retried one")
                .containsExactly("second", "first");
    }
}
