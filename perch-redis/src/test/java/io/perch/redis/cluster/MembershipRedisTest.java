package io.perch.redis.cluster;

import io.perch.broker.cluster.NodeInfo;
import io.perch.redis.config.ClusterConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Membership against a real redis-server: announce, heartbeat, refuse a duplicate name, reap the dead, leave. */
class MembershipRedisTest {
    private final ClusterRig rig = new ClusterRig();

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    @Test
    void aNodeAnnouncesItselfAndHeartbeats() {
        Membership a = rig.member("a");
        a.join();
        Map<String, String> hash = rig.redis.cli().hgetall(NodeKeys.node("a"));
        assertThat(hash).containsEntry("instance", a.instance()).containsEntry("listeners", "mqtt:tcp:1883")
                .containsKeys("version", "started_at", "heartbeat");
        Double first = rig.redis.cli().zscore(NodeKeys.NODES, "a");
        await().atMost(Duration.ofSeconds(5)).until(() -> rig.redis.cli().zscore(NodeKeys.NODES, "a") > first);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().size() == 1);
        NodeInfo self = a.nodes().get(0);
        assertThat(self.name()).isEqualTo("a");
        assertThat(self.alive()).isTrue();
        assertThat(self.details()).containsEntry("listeners", "mqtt:tcp:1883").doesNotContainKey("instance");
        // the score is Redis's clock in ms
        long redisNow = Long.parseLong(rig.redis.cli().time().get(0)) * 1000;
        assertThat(self.heartbeatAt()).isBetween(redisNow - 5000, redisNow + 5000);
    }

    /**
     * A node that joined after another's last tick is alive to it all the same (read from
     * Redis then), so that a takeover asks it to let its client go; a node never listed, or
     * listed with a heartbeat older than node_timeout, is not.
     */
    @Test
    void aNodeThatJoinedSinceTheLastTickIsAliveAndOneNeverListedIsNot() {
        ClusterConfig slow = new ClusterConfig(true, "pool1", Duration.ofSeconds(100), Duration.ofSeconds(30), 1000,
                Duration.ofSeconds(2), Duration.ofSeconds(1));
        Membership a = rig.member("a", slow);
        a.join();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().size() == 1);
        Membership b = rig.member("b");
        b.join();
        rig.redis.cli().zadd(NodeKeys.NODES, 1.0, "long-silent");

        assertThat(a.nodes()).extracting(NodeInfo::name).as("the last tick's view").containsExactly("a");
        assertThat(a.alive("b")).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(true);
        assertThat(a.alive("never-was")).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(false);
        assertThat(a.alive("long-silent")).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(false);
        assertThat(a.alive("a")).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(true);
    }

    @Test
    void aSecondProcessWithTheSameNameIsRefusedUntilTheFirstLeaves() {
        Membership first = rig.member("a");
        first.join();
        Membership second = rig.member("a");
        assertThatThrownBy(second::join).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node.name a is already used by a running node (heartbeat")
                .hasMessageContaining("give each node its own node.name");
        first.leave();
        assertThat(rig.redis.cli().exists(NodeKeys.node("a"))).isZero();
        second.join();
        assertThat(rig.redis.cli().hget(NodeKeys.node("a"), "instance")).isEqualTo(second.instance());
    }

    @Test
    void theNameOfANodeThatStoppedHeartbeatingCanBeReused() {
        Membership first = rig.member("a");
        first.join();
        first.close(); // as if killed: its entries stay
        Membership second = rig.member("a");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> {
                    second.join();
                    return true;
                });
        assertThat(rig.redis.cli().hget(NodeKeys.node("a"), "instance")).isEqualTo(second.instance());
    }

    @Test
    void exactlyOneLiveNodeReapsADeadNodeAndItsRoutes() {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Membership a = rig.member("a");
        Membership b = rig.member("b");
        Membership c = rig.member("c");
        for (Membership m : List.of(a, b)) {
            m.addListener(dead -> {
                calls.computeIfAbsent(m.name() + ">" + dead, k -> new AtomicInteger()).incrementAndGet();
                // while the listener runs the node is still there: takeover reads its state first
                assertThat(rig.redis.cli().exists(NodeKeys.node(dead))).isOne();
                return CompletableFuture.completedFuture(null);
            });
        }
        a.join();
        b.join();
        c.join();
        rig.redis.cli().sadd(NodeKeys.routes("c"), "a/+/c");
        rig.redis.cli().hset(NodeKeys.ROUTES_VERSION, "c", "3");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().size() == 3 && b.nodes().size() == 3);
        c.close(); // dies without leaving

        await().atMost(Duration.ofSeconds(15)).until(() -> rig.redis.cli().zscore(NodeKeys.NODES, "c") == null);
        assertThat(rig.redis.cli().exists(NodeKeys.node("c"), NodeKeys.routes("c"))).isZero();
        assertThat(rig.redis.cli().hexists(NodeKeys.ROUTES_VERSION, "c")).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().size() == 2 && b.nodes().size() == 2);
        assertThat(calls.values().stream().mapToInt(AtomicInteger::get).sum()).as("reaped once: %s", calls).isEqualTo(1);
        assertThat(calls.keySet()).allMatch(k -> k.endsWith(">c"));
        assertThat(rig.registry.get("perch.cluster.nodes.reaped").counter().count()).isEqualTo(1);
    }

    @Test
    void aDeadNodeIsListedAsNotAliveUntilReapedAndAFailingListenerKeepsIt() {
        Membership a = rig.member("a");
        AtomicInteger tries = new AtomicInteger();
        a.addListener(dead -> {
            tries.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("takeover failed"));
        });
        Membership c = rig.member("c");
        a.join();
        c.join();
        c.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> tries.get() >= 1);
        assertThat(a.nodes()).anySatisfy(n -> {
            assertThat(n.name()).isEqualTo("c");
            assertThat(n.alive()).isFalse();
        });
        assertThat(rig.redis.cli().zscore(NodeKeys.NODES, "c")).as("kept for another try").isNotNull();
        assertThat(a.liveOthers()).isEmpty();
    }

    @Test
    void leavingRemovesTheNodeAndItsRoutesAtOnce() {
        Membership a = rig.member("a");
        Membership b = rig.member("b");
        a.join();
        b.join();
        rig.redis.cli().sadd(NodeKeys.routes("b"), "x/#");
        rig.redis.cli().hset(NodeKeys.seen("b"), "a", "1");
        b.leave();
        assertThat(rig.redis.cli().zrange(NodeKeys.NODES, 0, -1)).containsExactly("a");
        assertThat(rig.redis.cli().exists(NodeKeys.node("b"), NodeKeys.routes("b"), NodeKeys.seen("b"))).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().stream().map(NodeInfo::name).toList().equals(List.of("a")));
    }

    @Test
    void heartbeatFailuresAreCountedAndTheNodeComesBackAfterARedisRestartOrDataLoss() {
        Membership a = rig.member("a");
        a.join();
        rig.redis.kill();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> rig.registry.get("perch.cluster.heartbeat.failures").counter().count() >= 3);
        rig.redis.restart();
        double before = rig.redis.cli().zscore(NodeKeys.NODES, "a");
        await().atMost(Duration.ofSeconds(15)).until(() -> rig.redis.cli().zscore(NodeKeys.NODES, "a") > before);

        rig.redis.cli().flushall();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.instance().equals(rig.redis.cli().hget(NodeKeys.node("a"), "instance")));
        assertThat(rig.redis.cli().hgetall(NodeKeys.node("a"))).containsKeys("version", "started_at", "listeners");
    }
    /**
     * A node started while its Redis is down (or still loading its data after a restart) waits
     * for it and joins, rather than failing to start for a passing state.
     */
    @Test
    void aNodeStartingWhileRedisIsDownJoinsOnceItIsBack() throws Exception {
        rig.redis.kill();
        Membership late = rig.member("late");
        CompletableFuture<Void> joined = CompletableFuture.runAsync(late::join);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !joined.isDone());
        rig.redis.restart();
        joined.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(rig.redis.cli().zscore(NodeKeys.NODES, "late")).isNotNull();
    }
}
