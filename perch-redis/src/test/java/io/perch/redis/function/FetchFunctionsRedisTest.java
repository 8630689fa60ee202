package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.message.PublishProperties;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.testkit.RecordingBroker.Delivery;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.perch.redis.function.PublishFunctionsRedisTest.PUBLISH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FetchFunctionsRedisTest extends RedisBackendTest {
    static final String FETCH_QUEUE = "backend.redis.hook.session.subscribed.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": \"on_message_fetch_for_queue\"}, \"pool\": \"pool1\"}";
    static final String FETCH_PUBSUB = "backend.redis.hook.session.subscribed.2 = {\"topic\": \"pubsub/#\", \"action\": {\"function\": \"on_message_fetch_for_pubsub\"}, \"pool\": \"pool1\"}";
    static final String ACK_QUEUE = "backend.redis.hook.message.acked.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": \"on_message_acked_for_queue\"}, \"pool\": \"pool1\"}";
    static final String ACK_PUBSUB = "backend.redis.hook.message.acked.2 = {\"topic\": \"pubsub/#\", \"action\": {\"function\": \"on_message_acked_for_pubsub\"}, \"pool\": \"pool1\"}";


    private List<String> payloadsDeliveredTo(String cid) {
        return backend.broker.deliveries.stream().filter(d -> d.clientId().equals(cid))
                .map(d -> new String(d.message().payload())).toList();
    }

    private void awaitStored(String topic, int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().zcard("mqtt:msg:" + topic) == n);
    }

    @Test
    void queueSubscriptionGetsStoredMessagesOldestFirstAndAnAckConsumesOne() {
        start(PUBLISH, FETCH_QUEUE, ACK_QUEUE);
        Message m1 = events.publish("pub", "queue/q1", "m1", 1, false);
        events.publish("pub", "queue/q1", "m2", 2, false);
        events.publish("pub", "queue/q1", "m3", 1, false);
        awaitStored("queue/q1", 3);
        events.subscribed("sub", "queue/q1", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("sub").size() == 3);
        assertThat(payloadsDeliveredTo("sub")).containsExactly("m1", "m2", "m3");
        Delivery d = backend.broker.deliveries.get(0);
        assertThat(d.filter()).isEqualTo("queue/q1");
        assertThat(d.asRetained()).isFalse();
        assertThat(d.message().id()).isEqualTo(m1.id());
        assertThat(d.message().qos()).isEqualTo(1);
        assertThat(d.message().from()).isEqualTo("pub");

        events.acked("sub", d.message());
        String key = "mqtt:msg:" + Base62Id.encode(m1.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().exists(key) == 0);
        awaitStored("queue/q1", 2);
        // A second subscriber now gets only what nobody consumed.
        events.subscribed("sub2", "queue/q1", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("sub2").size() == 2);
        assertThat(payloadsDeliveredTo("sub2")).containsExactly("m2", "m3");
    }

    @Test
    void wildcardQueueSubscriptionGetsEveryMatchingTopicInPublishOrder() {
        start(PUBLISH, FETCH_QUEUE);
        events.publish("pub", "queue/a/x", "1", 1, false);
        events.publish("pub", "queue/b/x", "2", 1, false);
        events.publish("pub", "queue/a/y", "no", 1, false);
        events.publish("pub", "queue/a/x", "3", 1, false);
        events.publish("pub", "other/a/x", "no", 1, false);
        awaitStored("queue/a/x", 2);
        awaitStored("other/a/x", 1);
        events.subscribed("w1", "queue/+/x", 1);
        events.subscribed("w2", "queue/#", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("w1").size() == 3
                && payloadsDeliveredTo("w2").size() == 4);
        assertThat(payloadsDeliveredTo("w1")).containsExactly("1", "2", "3");
        assertThat(payloadsDeliveredTo("w2")).containsExactly("1", "2", "no", "3");
        assertThat(backend.broker.deliveries).filteredOn(d -> d.clientId().equals("w1"))
                .allMatch(d -> d.filter().equals("queue/+/x"));
    }

    @Test
    void expiredMessagesArePrunedFromTheSetAndEmptyTopicsFromTheIndex() {
        start(PUBLISH, FETCH_QUEUE);
        Message gone = events.publish("pub", "queue/e", "gone", 1, false);
        Message kept = events.publish("pub", "queue/e", "kept", 1, false);
        awaitStored("queue/e", 2);
        redis.cli().del("mqtt:msg:" + Base62Id.encode(gone.id()));
        redis.cli().zadd("mqtt:topics:msg", 0, "queue/vanished");
        events.subscribed("s", "queue/#", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().zcard("mqtt:msg:queue/e") == 1
                && redis.cli().zscore("mqtt:topics:msg", "queue/vanished") == null);
        assertThat(payloadsDeliveredTo("s")).containsExactly("kept");
        assertThat(redis.cli().zrange("mqtt:msg:queue/e", 0, -1)).containsExactly(Base62Id.encode(kept.id()));
    }

    @Test
    void pubsubWithoutPositionStartsAtNowAndThenResumesAfterItsPosition() {
        start(PUBLISH, FETCH_PUBSUB, ACK_PUBSUB);
        events.publish("pub", "pubsub/p", "before", 1, false);
        awaitStored("pubsub/p", 1);
        events.subscribed("s", "pubsub/p", 1);
        // Nothing delivered (EMQ X's "now"), but the position is set to the newest stored message.
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().get("mqtt:acked:s:pubsub/p") != null);
        assertThat(payloadsDeliveredTo("s")).isEmpty();

        Message a = events.publish("pub", "pubsub/p", "a", 1, false);
        events.publish("pub", "pubsub/p", "b", 1, false);
        awaitStored("pubsub/p", 3);
        events.subscribed("s", "pubsub/p", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("s").size() == 2);
        assertThat(payloadsDeliveredTo("s")).containsExactly("a", "b");

        events.acked("s", a);
        await().atMost(Duration.ofSeconds(5)).until(() -> Base62Id.encode(a.id()).equals(redis.cli().get("mqtt:acked:s:pubsub/p")));
        backend.broker.deliveries.clear();
        events.subscribed("s", "pubsub/p", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("s").size() == 1);
        assertThat(payloadsDeliveredTo("s")).containsExactly("b");
        // One-to-many: acks never delete.
        assertThat(redis.cli().zcard("mqtt:msg:pubsub/p")).isEqualTo(3);
    }

    @Test
    void aFirstSubscriptionToATopicWithNoMessageYetStillRecordsWhereItStarted() {
        start(PUBLISH, FETCH_PUBSUB);
        events.subscribed("s", "pubsub/empty", 1);
        events.subscribed("s", "pubsub/w/#", 1); // a wildcard matching no topic yet
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.cli().get("mqtt:acked:s:pubsub/empty") != null
                && redis.cli().get("mqtt:acked:s:pubsub/w/#") != null);
        assertThat(payloadsDeliveredTo("s")).isEmpty();

        // Published while the client was away (say the broker restarted): its next subscription
        // is not "new", it resumes from the first one and gets both.
        events.publish("pub", "pubsub/empty", "while-away", 1, false);
        events.publish("pub", "pubsub/w/new", "new-topic", 1, false);
        awaitStored("pubsub/w/new", 1);
        events.subscribed("s", "pubsub/empty", 1);
        events.subscribed("s", "pubsub/w/#", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("s").size() == 2);
        assertThat(payloadsDeliveredTo("s")).containsExactly("while-away", "new-topic");
    }

    @Test
    void aStalePositionDoesNotStallTheSubscriber() {
        start(PUBLISH, FETCH_PUBSUB);
        Message old = events.publish("pub", "pubsub/s", "old", 1, false);
        events.publish("pub", "pubsub/s", "new1", 1, false);
        events.publish("pub", "pubsub/s", "new2", 1, false);
        awaitStored("pubsub/s", 3);
        // The position's message expired and was pruned from the set.
        redis.cli().set("mqtt:acked:s:pubsub/s", Base62Id.encode(old.id()));
        redis.cli().zrem("mqtt:msg:pubsub/s", Base62Id.encode(old.id()));
        redis.cli().del("mqtt:msg:" + Base62Id.encode(old.id()));
        events.subscribed("s", "pubsub/#", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("s").size() == 2);
        assertThat(payloadsDeliveredTo("s")).containsExactly("new1", "new2");
    }

    /**
     * A message id may carry a later millisecond than the message's timestamp (the broker reads
     * the clock, then takes an id; the id generator moves forward when its clock stalls). A
     * message published after the position, in the position id's millisecond or the one
     * before, is still delivered: the set is scored by the time in the id, not the timestamp.
     */
    @Test
    void aMessageStampedBeforeThePositionsMillisecondButPublishedAfterItIsDelivered() {
        start(PUBLISH, FETCH_PUBSUB);
        long t = System.currentTimeMillis();
        MessageId position = new MessageId((t + 1) * 1000L, 1);
        events.publish(stamped(position, t, "position"));
        events.publish(stamped(new MessageId((t + 1) * 1000L + 1, 2), t, "after"));
        awaitStored("pubsub/skew", 2);
        redis.cli().set("mqtt:acked:s:pubsub/skew", Base62Id.encode(position));
        events.subscribed("s", "pubsub/skew", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("s").size() == 1);
        assertThat(payloadsDeliveredTo("s")).containsExactly("after");
    }

    private static Message stamped(MessageId id, long timestamp, String payload) {
        return new Message(id, "pubsub/skew", payload.getBytes(), 1, false, "pub", null, timestamp, 0,
                PublishProperties.NONE);
    }

    @Test
    void earliestOffsetStartsAtTheOldestMessage() {
        start(PUBLISH, "backend.redis.hook.session.subscribed.2 = {\"topic\": \"pubsub/#\", \"offset\": \"earliest\", \"action\": {\"function\": \"on_message_fetch_for_pubsub\"}, \"pool\": \"pool1\"}");
        events.publish("pub", "pubsub/x", "1", 1, false);
        events.publish("pub", "pubsub/y", "2", 1, false);
        awaitStored("pubsub/y", 1);
        events.subscribed("s", "pubsub/+", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("s").size() == 2);
        assertThat(payloadsDeliveredTo("s")).containsExactly("1", "2");
    }

    @Test
    void legacyConstantScoresAreOrderedByTheTimeInTheirIds() {
        start(FETCH_QUEUE);
        Message first = backend.broker.newMessage("queue/l", "first".getBytes(), 1, false, "old");
        Message second = backend.broker.newMessage("queue/l", "second".getBytes(), 1, false, "old");
        for (Message m : List.of(second, first)) {
            String id = Base62Id.encode(m.id());
            redis.cli().hset("mqtt:msg:" + id, java.util.Map.of("id", id, "from", "old", "qos", "1", "topic", "queue/l",
                    "payload", new String(m.payload()), "ts", Long.toString(m.timestamp() / 1000), "retain", "false"));
            redis.cli().zadd("mqtt:msg:queue/l", 1, id);
        }
        events.subscribed("s", "queue/l", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> payloadsDeliveredTo("s").size() == 2);
        assertThat(payloadsDeliveredTo("s")).containsExactly("first", "second");
    }
}
