package io.perch.redis.topology;

import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.perch.broker.message.Message;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.RecordingBroker;
import io.perch.redis.testkit.Rules;
import io.perch.redis.testkit.TestCluster;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A three-master Redis Cluster built by the test ({@link TestCluster}): keys of one function
 * spread over the masters, wildcard fetches go through the index key in its own slot, and acks
 * delete across slots. The session store on Cluster: {@code ClusterSessionStoreTest}.
 */
class ClusterTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void storeFetchAndAckAcrossThreeMasters() {
        TestCluster tc = TestCluster.start();
        open.add(tc);
        List<TestRedis> nodes = tc.nodes;
        RedisAdvancedClusterCommands<String, String> cluster = tc.cli();

        Backend backend = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), List.of(
                "backend.redis.pool1.server = " + tc.servers(),
                "backend.redis.pool1.type = cluster",
                "backend.redis.embedded = off",
                Rules.PUBLISH,
                "backend.redis.hook.session.subscribed.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": \"on_message_fetch_for_queue\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.acked.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": \"on_message_acked_for_queue\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.publish.9 = {\"topic\": \"queue/#\", \"action\": {\"commands\": [\"pipeline\", \"INCR count:${topic}\", \"SET last:${clientid} ${msgid}\"]}, \"pool\": \"pool1\"}"));
        open.add(backend);
        Events events = new Events(backend.broker);
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sent.add(events.publish("p", "queue/t" + (i % 10), "m" + i, 1, false));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> IntStream.range(0, 10)
                .mapToLong(t -> cluster.zcard("mqtt:msg:queue/t" + t)).sum() == 30);
        // The keys really are spread over the masters.
        long mastersWithKeys = nodes.stream().filter(n -> n.cli().dbsize() > 0).count();
        assertThat(mastersWithKeys).isEqualTo(3);
        // The commands rule's writes are ops of their own, behind the sets' writes: wait for them too.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(cluster.get("count:queue/t3")).isEqualTo("3");
            assertThat(cluster.get("last:p")).isEqualTo(Base62Id.encode(sent.get(29).id()));
        });

        events.subscribed("s", "queue/#", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.broker.deliveries.size() == 30);
        assertThat(backend.broker.deliveries).extracting(d -> new String(d.message().payload()))
                .containsExactlyElementsOf(IntStream.range(0, 30).mapToObj(i -> "m" + i).toList());

        for (Message m : sent) {
            events.acked("s", m);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> IntStream.range(0, 10)
                .mapToLong(t -> cluster.exists("mqtt:msg:queue/t" + t)).sum() == 0);
        assertThat(cluster.exists("mqtt:msg:" + Base62Id.encode(sent.get(0).id()))).isZero();
    }
}
