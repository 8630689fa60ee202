package io.perch.redis.cluster;

import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.topic.SubscriptionTree;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Route tables of several nodes on one real redis-server. */
class RouteTableRedisTest {
    private final ClusterRig rig = new ClusterRig();

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    /** A node: membership and route table on one executor, as the cluster runs them. */
    private record Node(Membership membership, RouteTable routes) {
    }

    private Node node(String name) {
        return node(name, ClusterRig.FAST);
    }

    private Node node(String name, io.perch.redis.config.ClusterConfig config) {
        var executor = rig.executor(name);
        Membership m = rig.keep(new Membership(rig.connector(), name, config, java.util.Map.of(), executor,
                rig.registry));
        RouteTable r = rig.keep(new RouteTable(rig.connector(), m, executor, rig.registry));
        m.join();
        r.start();
        return new Node(m, r);
    }

    private static Set<String> matches(SubscriptionTree<String> tree, String topic) {
        Set<String> out = new TreeSet<>();
        tree.match(topic, new SubscriptionTree.Matches<>() {
            @Override
            public void subscriber(String s, SubscriptionOptions o) {
                out.add(s);
            }

            @Override
            public void group(SubscriptionTree.SharedGroup<String> g) {
                out.add("group:" + g.group + ":" + g.filter);
            }
        });
        return out;
    }

    @Test
    void routesReachTheOtherNodesAndLeaveThemAgain() {
        Node a = node("a");
        Node b = node("b");
        a.routes().added("x/+/y");
        a.routes().added("$share/g/s/#");
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "x/1/y").contains("a"));
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "s/1").contains("group:g:s/#"));
        assertThat(matches(a.routes().tree(), "x/1/y")).as("a node's own routes are not in its remote cache").isEmpty();
        a.routes().removed("x/+/y");
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "x/1/y").isEmpty());
        assertThat(rig.redis.cli().smembers(NodeKeys.routes("a"))).containsExactly("$share/g/s/#");
    }

    @Test
    void aBurstIsAppliedInOrderAndTheVersionAgreesWithTheSet() throws Exception {
        Node a = node("a");
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            a.routes().added("t/" + i);
            if (i % 3 == 0) {
                a.routes().removed("t/" + i); // an add then a remove of the same key ends removed
            } else {
                expected.add("t/" + i);
            }
        }
        long v = a.routes().flushed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(rig.redis.cli().smembers(NodeKeys.routes("a"))).isEqualTo(expected);
        assertThat(rig.redis.cli().hget(NodeKeys.ROUTES_VERSION, "a")).isEqualTo(String.valueOf(v));
        assertThat(v).as("6667 changes in batches of up to 1000").isBetween(7L, 6667L);
        assertThat(a.routes().localVersion()).isEqualTo(v);
    }

    @Test
    void aLostHintIsRepairedByThePoll() {
        Node a = node("a");
        Node b = node("b");
        // What a hint-less write looks like: the set and version change, nobody is told.
        rig.redis.cli().sadd(NodeKeys.routes("a"), "quiet/#");
        rig.redis.cli().hincrby(NodeKeys.ROUTES_VERSION, "a", 7);
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "quiet/1").contains("a"));
        assertThat(rig.redis.cli().hget(NodeKeys.seen("b"), "a")).isEqualTo("7");
    }

    @Test
    void theRoutesOfANodeThatLeavesOrDiesLeaveTheCache() {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        a.routes().added("from/a");
        c.routes().added("from/c");
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "from/a").contains("a")
                && matches(b.routes().tree(), "from/c").contains("c"));
        a.routes().close();
        a.membership().leave();
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "from/a").isEmpty());
        c.routes().close();
        c.membership().close(); // dies
        await().atMost(Duration.ofSeconds(15)).until(() -> matches(b.routes().tree(), "from/c").isEmpty());
    }

    @Test
    void changesWhileRedisIsDownAreKeptAndWrittenInOrderAfterwards() throws Exception {
        Node a = node("a");
        a.routes().added("before");
        a.routes().flushed().toCompletableFuture().get(5, TimeUnit.SECONDS);
        rig.redis.kill();
        a.routes().added("during/1");
        a.routes().added("during/2");
        a.routes().removed("during/1");
        a.routes().removed("before");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> rig.registry.get("perch.cluster.routes.write_failures").counter().count() >= 1);
        rig.redis.restart();
        a.routes().flushed().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(rig.redis.cli().smembers(NodeKeys.routes("a"))).containsExactly("during/2");
    }

    @Test
    void aRedisThatLostTheSetGetsTheWholeSetAgain() throws Exception {
        Node a = node("a");
        for (int i = 0; i < 50; i++) {
            a.routes().added("keep/" + i);
        }
        long v = a.routes().flushed().toCompletableFuture().get(5, TimeUnit.SECONDS);
        rig.redis.cli().flushall();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.redis.cli().scard(NodeKeys.routes("a")) == 50);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.routes().localVersion() > v);
        assertThat(Long.parseLong(rig.redis.cli().hget(NodeKeys.ROUTES_VERSION, "a"))).as("versions never go back")
                .isGreaterThan(v);
        // a change after a loss found by the writer itself
        rig.redis.cli().del(NodeKeys.routes("a"));
        a.routes().added("keep/50");
        a.routes().flushed().toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> rig.redis.cli().scard(NodeKeys.routes("a")) == 51);
    }

    @Test
    void routesSeenWaitsForEveryLiveNodeAndGivesUpAfterTheTimeout() throws Exception {
        Node a = node("a");
        Node b = node("b");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().liveOthers().contains("b"));
        a.routes().added("seen/#");
        a.routes().routesSeen(Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(Long.parseLong(rig.redis.cli().hget(NodeKeys.seen("b"), "a"))).isEqualTo(a.routes().localVersion());
        assertThat(matches(b.routes().tree(), "seen/x")).contains("a");
        assertThat(rig.registry.get("perch.cluster.routes.seen_timeouts").counter().count()).isZero();

        // a live node without a route table never records what it saw
        Membership silent = rig.member("silent");
        silent.join();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().liveOthers().contains("silent"));
        a.routes().added("seen/more");
        a.routes().routesSeen(Duration.ofMillis(300)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(rig.registry.get("perch.cluster.routes.seen_timeouts").counter().count()).isEqualTo(1);
    }
    /**
     * A node records that it applied another node's routes only once what it forwarded before
     * is in Redis: a node taking a client over asks the old owner to let go on that record, and
     * a forward that reached the old owner's inbox after the request would find no session there
     * (a stress run lost one acknowledged message of ClusterProcessTest's move that way).
     */
    @Test
    void aNodeRecordsRoutesAsSeenOnlyOnceItsEarlierForwardsAreInRedis() throws Exception {
        Node a = node("a");
        Node b = node("b");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().liveOthers().contains("b"));
        a.routes().added("first/#");
        a.routes().routesSeen(Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        java.util.concurrent.CompletableFuture<Void> forwards = new java.util.concurrent.CompletableFuture<>();
        b.routes().forwardsFlushed(() -> forwards);

        a.routes().added("second/#");
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "second/x").contains("a"));
        long version = Long.parseLong(rig.redis.cli().hget(NodeKeys.ROUTES_VERSION, "a"));
        // Applied, but b's earlier forwards may still be on their way: not recorded meanwhile.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() ->
                Long.parseLong(rig.redis.cli().hget(NodeKeys.seen("b"), "a")) < version);
        forwards.complete(null);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                Long.parseLong(rig.redis.cli().hget(NodeKeys.seen("b"), "a")) == version);
    }

    /**
     * A node that joined after this node's last heartbeat tick is waited for too: it could
     * route a message for the new routes elsewhere (before, only the last tick's view was).
     */
    @Test
    void routesSeenWaitsForANodeThatJoinedSinceTheLastTick() throws Exception {
        io.perch.redis.config.ClusterConfig slow = new io.perch.redis.config.ClusterConfig(true, "pool1",
                Duration.ofSeconds(100), Duration.ofSeconds(30), 1000, Duration.ofSeconds(2), Duration.ofSeconds(1));
        Node a = node("a", slow);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().nodes().size() == 1);
        Node b = node("b");
        java.util.concurrent.CompletableFuture<Void> forwards = new java.util.concurrent.CompletableFuture<>();
        b.routes().forwardsFlushed(() -> forwards); // b applies a's routes, and records it only once this completes
        assertThat(a.membership().liveOthers()).as("the last tick's view").isEmpty();

        a.routes().added("joined/#");
        java.util.concurrent.CompletableFuture<Void> seen = a.routes().routesSeen(Duration.ofSeconds(20))
                .toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "joined/x").contains("a"));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !seen.isDone());
        forwards.complete(null);

        seen.get(10, TimeUnit.SECONDS);
        assertThat(Long.parseLong(rig.redis.cli().hget(NodeKeys.seen("b"), "a"))).isEqualTo(a.routes().localVersion());
        assertThat(rig.registry.get("perch.cluster.routes.seen_timeouts").counter().count()).isZero();
    }

    /** A route change waits for routing that matched the routes before it to hand its forwards over. */
    @Test
    void aRouteChangeWaitsForRoutingInProgress() throws Exception {
        Node a = node("a");
        Node b = node("b");
        java.util.concurrent.locks.Lock routing = b.routes().routingLock();
        routing.lock(); // a publish on b between its match and its forwards
        try {
            a.routes().added("late/#");
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    rig.redis.cli().sismember(NodeKeys.routes("a"), "late/#"));
            // b hears of it (hint or poll) within a heartbeat, and waits to apply it meanwhile.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                    .until(() -> matches(b.routes().tree(), "late/x").isEmpty());
        } finally {
            routing.unlock();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> matches(b.routes().tree(), "late/x").contains("a"));
    }
}
