package io.perch.redis.session;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.message.Message;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.redis.client.CommandPipeline;
import io.perch.redis.client.RedisOp;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A QoS 2 publish on a rule topic stores the rule's copy of the message (mqtt:msg:id and the
 * topic set) in the same write as the packet id: a broker killed between two writes would
 * otherwise keep the copy without the id, and the client's resend would be stored twice. And
 * the pool's later commands (a queue acknowledgement's delete, a fetch) never overtake it.
 */
class RuleWritesInGroupRedisTest extends RedisBackendTest {
    private static final String QUEUE_PUBLISH = "backend.redis.hook.message.publish.1 = {\"topic\": \"queue/#\", "
            + "\"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\", \"expired_time\": 3600}";
    private static final String QUEUE_ACKED = "backend.redis.hook.message.acked.1 = {\"topic\": \"queue/#\", "
            + "\"action\": {\"function\": \"on_message_acked_for_queue\"}, \"pool\": \"pool1\"}";

    private SessionPersistence store() {
        return backend.plugin.stores().persistence();
    }

    /** Runs the message.publish rules as the broker does; the stage is what the acknowledgement waits for. */
    private CompletableFuture<Void> publish(Message m) {
        PublishEvent ev = backend.broker.hooks().run(HookPoints.MESSAGE_PUBLISH,
                new PublishEvent(events.client(m.from()), m, true)).toCompletableFuture().join();
        return ev.writes().all().toCompletableFuture();
    }

    private Message qos2(String topic) {
        return backend.broker.newMessage(topic, "m".getBytes(StandardCharsets.UTF_8), 2, false, "pub");
    }

    /** EXISTS through the pipeline itself: it answers after every command submitted before it. */
    private long existsBehindEverySubmittedWrite(String key) {
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        List<Object> r = pipeline.submit(RedisOp.read("test", List.of(c -> c.exists(k))))
                .orTimeout(10, TimeUnit.SECONDS).join();
        return (Long) r.get(0);
    }

    @Test
    void aRuleCopyMadeInsideAGroupGoesWithTheGroupsSessionWrites() {
        start(QUEUE_PUBLISH);
        Message m = qos2("queue/a");
        String key = "mqtt:msg:" + Base62Id.encode(m.id());
        CompletableFuture<Void> ruleWrite;
        CompletableFuture<Void> packetId;
        try (SessionPersistence.Group g = store().group()) {
            ruleWrite = publish(m);
            packetId = store().write(List.of(new Change.SessionSaved("pub", 5, 3600, 0),
                    new Change.AwaitingRelAdded("pub", 7))).toCompletableFuture();
            // Sent on its own, the copy would be at Redis before this read answers.
            assertThat(existsBehindEverySubmittedWrite(key)).isZero();
            assertThat(ruleWrite).isNotDone();
        }
        CompletableFuture.allOf(ruleWrite, packetId).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(redis.cli().exists(key)).isEqualTo(1);
        assertThat(redis.cli().zrange("mqtt:msg:queue/a", 0, -1)).containsExactly(Base62Id.encode(m.id()));
        assertThat(redis.cli().smembers(new String(SessionKeys.rel("pub"), StandardCharsets.UTF_8))).containsExactly("7");
        assertThat(backend.count("on_message_publish", "success")).as("counted under its own function").isEqualTo(1);
    }

    @Test
    void aRuleWriteOutsideAGroupGoesAtOnceAsBefore() {
        start(QUEUE_PUBLISH, "persistence.linger = 30s");
        Message m = qos2("queue/a");
        publish(m).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(redis.cli().exists("mqtt:msg:" + Base62Id.encode(m.id()))).isEqualTo(1);
    }

    @Test
    void aQueueAcknowledgementDoesNotOvertakeTheCopyItDeletes() {
        // The group's write lingers 30 s: only the acknowledgement's write can make it go sooner.
        start(QUEUE_PUBLISH, QUEUE_ACKED, "persistence.linger = 30s");
        Message m = qos2("queue/a");
        String key = "mqtt:msg:" + Base62Id.encode(m.id());
        CompletableFuture<Void> ruleWrite;
        try (SessionPersistence.Group g = store().group()) {
            ruleWrite = publish(m);
        }
        assertThat(existsBehindEverySubmittedWrite(key)).isZero();
        events.acked("sub", m);
        ruleWrite.orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(existsBehindEverySubmittedWrite(key)).isZero();
        assertThat(redis.cli().zcard("mqtt:msg:queue/a")).isZero();
    }

    @Test
    void aReadOfThePoolSeesARuleWriteStagedBeforeIt() {
        start(QUEUE_PUBLISH, "persistence.linger = 30s");
        Message m = qos2("queue/a");
        CompletableFuture<Void> ruleWrite;
        try (SessionPersistence.Group g = store().group()) {
            ruleWrite = publish(m);
        }
        List<Object> r = backend.plugin.pool("pool1").orElseThrow().read("test",
                List.of(c -> c.zcard("mqtt:msg:queue/a".getBytes(StandardCharsets.UTF_8)))).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(r.get(0)).isEqualTo(1L);
        assertThat(ruleWrite).isDone();
    }
}
