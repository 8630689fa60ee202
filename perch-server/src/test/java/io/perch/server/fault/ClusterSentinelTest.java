package io.perch.server.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three Perch nodes, each its own process, on a Sentinel-managed Redis (a master, two replicas,
 * three Sentinels with quorum 2). The master is killed with SIGKILL while messages cross
 * nodes; Sentinel promotes a replica and every node follows it. With {@code persistence.ack =
 * replicas:1} what was acknowledged (forwards into another node's inbox included) was on a
 * replica, so the checker of the single-node crash tests finds nothing lost. Two replicas, so
 * that the one left still confirms {@code WAIT 1} once the other is promoted.
 */
class ClusterSentinelTest {
    private static final String MASTER = "perch-cluster";
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private <T extends AutoCloseable> T started(T t) {
        started.add(t);
        return t;
    }

    @Test
    void aSentinelFailoverUnderCrossNodeLoadLosesNothingAcknowledged() throws Exception {
        RedisServerProcess master = started(RedisServerProcess.start());
        String[] replicaOf = {"--replicaof", "127.0.0.1", Integer.toString(master.port())};
        List<RedisServerProcess> replicas = List.of(started(RedisServerProcess.start(replicaOf)),
                started(RedisServerProcess.start(replicaOf)));
        List<RedisServerProcess> sentinels = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sentinels.add(started(RedisServerProcess.sentinel(MASTER, master.port(), 2)));
        }
        for (RedisServerProcess r : replicas) {
            await("replica in sync").atMost(WITHIN).until(() -> r.info("replication").contains("master_link_status:up"));
        }
        // Each Sentinel must know the replicas (to promote one) and the other Sentinels (to reach the quorum).
        for (RedisServerProcess s : sentinels) {
            await("sentinels know each other").atMost(WITHIN)
                    .until(() -> s.info("sentinel").contains("slaves=2,sentinels=3"));
        }
        String servers = sentinels.stream().map(RedisServerProcess::server).collect(Collectors.joining(","));
        List<BrokerProcess> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            nodes.add(started(BrokerProcess.start(dir.resolve("node" + i), "perch" + i + "@127.0.0.1", List.of(
                    "zone.external.max_mqueue_len = 0",
                    "backend.redis.embedded = off",
                    "backend.redis.pool1.server = " + servers,
                    "backend.redis.pool1.type = sentinel",
                    "backend.redis.pool1.sentinel = " + MASTER,
                    "persistence.mode = redis",
                    "persistence.ack = replicas:1",
                    "persistence.pool = pool1",
                    "cluster.enable = on",
                    // Longer than a failover (1 s to notice, then the election and the promotion),
                    // so no node is taken for dead while Redis changes master.
                    "cluster.node_timeout = 15s",
                    "cluster.heartbeat_interval = 1s"))));
        }
        await("every node joined").atMost(WITHIN).until(() -> liveNodes(master).size() == 3);

        Ledger ledger = new Ledger();
        int perPublisher = Integer.getInteger("perch.cluster.fault.messages", 1500);
        try (FaultSubscriber sub = new FaultSubscriber("s-sub", nodes.get(1)::port, ledger,
                new String[]{"s/q1", "s/q2"}, new int[]{1, 2});
             FaultPublisher q1 = new FaultPublisher("s-pub-q1", nodes.get(0)::port, ledger, "s/q1", 1, perPublisher);
             FaultPublisher q2 = new FaultPublisher("s-pub-q2", nodes.get(2)::port, ledger, "s/q2", 2, perPublisher)) {
            sub.start();
            await().atMost(WITHIN).until(() -> sub.connected()
                    && Long.valueOf(1).equals(RespProbe.command(master.port(), "SISMEMBER",
                    "perch:{cluster}:routes:perch2@127.0.0.1", "s/q2")));
            q1.start();
            q2.start();
            await().atMost(WITHIN).until(() -> ledger.ackedCount() >= perPublisher * 2L / 3);
            master.kill9();
            await("a replica promoted").atMost(WITHIN)
                    .until(() -> replicas.stream().anyMatch(r -> r.info("replication").contains("role:master")));
            RedisServerProcess promoted = replicas.stream()
                    .filter(r -> r.info("replication").contains("role:master")).findFirst().orElseThrow();
            Duration drain = Duration.ofSeconds(120);
            await("every message acknowledged").atMost(drain)
                    .until(() -> q1.allHandedOver() && q2.allHandedOver() && ledger.ackedCount() == perPublisher * 2L);
            try {
                await("every acknowledged message delivered").atMost(drain).until(() -> ledger.ackedNotDelivered() == 0);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("not every acknowledged message was delivered within " + drain + ": "
                        + ledger.summarize().line() + "\n" + ledger.summarize().problems() + "\nnode 2's inbox: "
                        + RespProbe.command(promoted.port(), "XLEN", "perch:cluster:inbox:perch2@127.0.0.1"), e);
            }
            Ledger.Summary summary = ledger.summarize();
            System.out.println("cluster sentinel failover: " + summary.line() + " promoted " + promoted.server()
                    + " subscriber session present " + sub.sessionPresent());
            System.out.print(summary.problems()); // what went wrong, with examples
            assertThat(summary.lost()).as(summary.problems()).isZero();
            assertThat(summary.duplicatesQos2()).as(summary.problems()).isZero();
            assertThat(summary.outOfOrder()).as("order per publisher; " + summary.problems()).isZero();
            assertThat(summary.unexpected()).as(summary.problems()).isZero();
            // The failover took no node for dead: all three heartbeat into the new master.
            assertThat(liveNodes(promoted)).containsExactlyInAnyOrder(
                    "perch1@127.0.0.1", "perch2@127.0.0.1", "perch3@127.0.0.1");
        }
    }

    private static List<String> liveNodes(RedisServerProcess redis) {
        Object r = RespProbe.command(redis.port(), "ZRANGE", "perch:{cluster}:nodes", "0", "-1");
        List<String> names = new ArrayList<>();
        if (r instanceof List<?> l) {
            l.forEach(x -> names.add(String.valueOf(x)));
        }
        return names;
    }
}
