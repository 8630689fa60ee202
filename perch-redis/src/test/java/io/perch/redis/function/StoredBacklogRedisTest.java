package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.perch.redis.function.FetchFunctionsRedisTest.FETCH_QUEUE;
import static io.perch.redis.function.PublishFunctionsRedisTest.PUBLISH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stored backlog larger than the session's queue: the fetch functions offer it page by page,
 * never more than the queue takes, and go on as the client reads, until all of it is handed
 * over in publish order. The recording broker stands in for a session queue of 10.
 */
class StoredBacklogRedisTest extends RedisBackendTest {
    private static final int BOUND = 10;
    private static final String FETCH_PUBSUB_EARLIEST = "backend.redis.hook.session.subscribed.2 = {\"topic\": \"pubsub/#\", \"offset\": \"earliest\", \"action\": {\"function\": \"on_message_fetch_for_pubsub\"}, \"pool\": \"pool1\"}";

    private List<String> payloadsDeliveredTo(String cid) {
        return backend.broker.deliveries.stream().filter(d -> d.clientId().equals(cid))
                .map(d -> new String(d.message().payload())).toList();
    }

    private List<Message> store(int n, String... topics) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(events.publish("pub", topics[i % topics.length], "m" + i, 1, false));
        }
        for (String t : topics) {
            long each = n / topics.length + (n % topics.length > List.of(topics).indexOf(t) ? 1 : 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:" + t) == each);
        }
        return out;
    }

    private static List<String> expected(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("m" + i);
        }
        return out;
    }

    /** Plays the client: whenever the queue is full it reads it, until {@code total} were delivered. */
    private void readUntil(String cid, int total) {
        while (payloadsDeliveredTo(cid).size() < total) {
            await().atMost(Duration.ofSeconds(10)).until(() -> payloadsDeliveredTo(cid).size() >= total
                    || backend.broker.backlogQueued.get() >= BOUND);
            assertThat(backend.broker.backlogQueued.get()).as("never past the queue's bound").isLessThanOrEqualTo(BOUND);
            backend.broker.read();
        }
    }

    @Test
    void aQueueBacklogLargerThanTheSessionQueueIsHandedOverInFullInPublishOrder() {
        start(PUBLISH, FETCH_QUEUE);
        backend.broker.backlogQueueBound = BOUND;
        store(250, "queue/backlog");
        events.connected("sub");
        events.subscribed("sub", "queue/backlog", 1);
        readUntil("sub", 250);
        assertThat(payloadsDeliveredTo("sub")).containsExactlyElementsOf(expected(0, 250));
        assertThat(backend.broker.noRoomAnswers.get()).as("it waited for room").isPositive();
    }

    @Test
    void aPubsubBacklogFromTheEarliestOffsetKeepsPublishOrderAcrossTopicsAndPages() {
        start(PUBLISH, FETCH_PUBSUB_EARLIEST);
        backend.broker.backlogQueueBound = BOUND;
        store(250, "pubsub/backlog/a", "pubsub/backlog/b");
        events.connected("sub");
        events.subscribed("sub", "pubsub/backlog/+", 1);
        readUntil("sub", 250);
        assertThat(payloadsDeliveredTo("sub")).containsExactlyElementsOf(expected(0, 250));
    }

    @Test
    void aPubsubBacklogAfterAPositionIsHandedOverInFull() {
        start(PUBLISH, FetchFunctionsRedisTest.FETCH_PUBSUB);
        backend.broker.backlogQueueBound = BOUND;
        List<Message> stored = store(250, "pubsub/backlog");
        redis.cli().set("mqtt:acked:sub:pubsub/backlog", Base62Id.encode(stored.get(49).id()));
        events.connected("sub");
        events.subscribed("sub", "pubsub/backlog", 1);
        readUntil("sub", 200);
        assertThat(payloadsDeliveredTo("sub")).containsExactlyElementsOf(expected(50, 250));
    }
}
