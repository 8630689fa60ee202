package io.perch.redis.cluster;

import io.lettuce.core.XAddArgs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The retained feed between nodes on a real redis-server. */
class RetainedFeedRedisTest {
    private final ClusterRig rig = new ClusterRig();

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    /** What a node's retained store was asked to do. */
    private static final class Recorder implements RetainedFeed.Listener {
        final List<String> changed = new CopyOnWriteArrayList<>();
        final AtomicInteger reloads = new AtomicInteger();

        @Override
        public void changed(String topic) {
            changed.add(topic);
        }

        @Override
        public void reloadAll() {
            reloads.incrementAndGet();
        }
    }

    private RetainedFeed feed(String node, Recorder r) {
        return rig.keep(new RetainedFeed(rig.connector(), node, rig.executor(node), r, Duration.ofMillis(200), rig.registry));
    }

    @Test
    void otherNodesHearOfEveryChangeInOrderAndTheAuthorDoesNot() throws Exception {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        RetainedFeed a = feed("a", ra);
        RetainedFeed b = feed("b", rb);
        a.start();
        b.start();
        // the readers start at the stream's end: let them find it before anything is written
        a.published("warmup", false).toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            a.published("probe", false);
            return rb.changed.contains("probe");
        });
        for (int i = 0; i < 100; i++) {
            a.published("t/" + i, i % 2 == 0).toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        b.published("from/b", false).toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.changed.stream().filter(t -> t.startsWith("t/")).count() == 100);
        List<String> got = rb.changed.stream().filter(t -> t.startsWith("t/")).toList();
        for (int i = 0; i < 100; i++) {
            assertThat(got.get(i)).isEqualTo("t/" + i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ra.changed.contains("from/b"));
        assertThat(ra.changed).noneMatch(t -> t.startsWith("t/"));
        assertThat(rb.reloads).hasValue(0);
        Map<String, String> entry = rig.redis.cli().xrevrange(RetainedFeed.STREAM, io.lettuce.core.Range.create("-", "+"),
                io.lettuce.core.Limit.from(1)).get(0).getBody();
        assertThat(entry).containsEntry("node", "b").containsEntry("topic", "from/b").containsEntry("op", "set");
    }

    @Test
    void aReaderWhoseEntriesWereTrimmedReloadsEverything() {
        for (int i = 0; i < 10; i++) {
            rig.redis.cli().xadd(RetainedFeed.STREAM, XAddArgs.Builder.maxlen(1), Map.of("node", "a", "topic", "t/" + i,
                    "op", "set"));
        }
        Recorder rb = new Recorder();
        RetainedFeed b = feed("b", rb);
        b.startFrom("1-0"); // fell behind: what it had not read is gone
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.reloads.get() == 1);
        assertThat(rb.changed).isEmpty();
        rig.redis.cli().xadd(RetainedFeed.STREAM, Map.of("node", "a", "topic", "after", "op", "delete"));
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.changed.contains("after"));
        assertThat(rb.reloads).hasValue(1);
    }

    @Test
    void aStreamRedisLostMeansAReload() throws Exception {
        Recorder rb = new Recorder();
        RetainedFeed a = feed("a", new Recorder());
        RetainedFeed b = feed("b", rb);
        a.start();
        b.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            a.published("probe", false);
            return rb.changed.contains("probe");
        });
        rig.redis.cli().del(RetainedFeed.STREAM);
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.reloads.get() >= 1);
    }

    @Test
    void idsCompareAsStreamIds() {
        assertThat(RetainedFeed.compare("10-0", "9-5")).isPositive();
        assertThat(RetainedFeed.compare("10-1", "10-0")).isPositive();
        assertThat(RetainedFeed.compare("0-0", "0-0")).isZero();
    }
}
