package io.perch.redis.testkit;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;

/**
 * A three-master Redis Cluster built by the test (CLUSTER ADDSLOTS and MEET, so no redis-cli is
 * needed), each master a {@link TestRedis} on a free port, and a cluster connection to check
 * keys with. {@link #close()} stops all of it.
 */
public final class TestCluster implements AutoCloseable {
    private static final int[][] RANGES = {{0, 5460}, {5461, 10922}, {10923, 16383}};

    public final List<TestRedis> nodes = new ArrayList<>();
    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<String, String> connection;

    private TestCluster() {
        try {
            for (int[] range : RANGES) {
                TestRedis n = TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000");
                nodes.add(n);
                n.cli().clusterAddSlots(IntStream.rangeClosed(range[0], range[1]).toArray());
            }
            for (int i = 1; i < nodes.size(); i++) {
                nodes.get(0).cli().clusterMeet("127.0.0.1", nodes.get(i).port());
            }
            for (TestRedis n : nodes) {
                await().atMost(Duration.ofSeconds(30)).until(() -> n.cli().clusterInfo().contains("cluster_state:ok")
                        && n.cli().clusterInfo().contains("cluster_known_nodes:3"));
            }
            client = RedisClusterClient.create(RedisURI.create("127.0.0.1", nodes.get(0).port()));
            connection = client.connect();
        } catch (RuntimeException e) {
            nodes.forEach(TestRedis::close);
            throw e;
        }
    }

    public static TestCluster start() {
        return new TestCluster();
    }

    /** The seed list for {@code backend.redis.pool1.server}. */
    public String servers() {
        return nodes.stream().map(TestRedis::server).collect(Collectors.joining(","));
    }

    public RedisAdvancedClusterCommands<String, String> cli() {
        return connection.sync();
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        nodes.forEach(TestRedis::close);
    }
}
