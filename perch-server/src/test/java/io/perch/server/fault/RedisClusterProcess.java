package io.perch.server.fault;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;

/**
 * A three-master Redis Cluster of {@link RedisServerProcess}es, built by the test (CLUSTER
 * ADDSLOTS and MEET, so no redis-cli is needed), and a probe that sends a key's command to the
 * master that holds it. {@link #close()} stops all of it.
 */
final class RedisClusterProcess implements AutoCloseable {
    private static final int[][] RANGES = {{0, 5460}, {5461, 10922}, {10923, 16383}};

    private final List<RedisServerProcess> masters = new ArrayList<>();

    private RedisClusterProcess() {
    }

    static RedisClusterProcess start() throws IOException {
        RedisClusterProcess c = new RedisClusterProcess();
        try {
            for (int[] range : RANGES) {
                RedisServerProcess m = RedisServerProcess.start("--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes.conf", "--cluster-node-timeout", "2000");
                c.masters.add(m);
                List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
                IntStream.rangeClosed(range[0], range[1]).forEach(s -> args.add(Integer.toString(s)));
                RespProbe.command(m.port(), args.toArray(String[]::new));
            }
            for (int i = 1; i < c.masters.size(); i++) {
                RespProbe.command(c.masters.get(0).port(), "CLUSTER", "MEET", "127.0.0.1",
                        Integer.toString(c.masters.get(i).port()));
            }
            for (RedisServerProcess m : c.masters) {
                await("redis cluster up").atMost(Duration.ofSeconds(30)).until(() -> {
                    String info = String.valueOf(RespProbe.command(m.port(), "CLUSTER", "INFO"));
                    return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3");
                });
            }
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The seed list for {@code backend.redis.pool1.server}. */
    String servers() {
        return masters.stream().map(RedisServerProcess::server).collect(Collectors.joining(","));
    }

    /**
     * A command about one key, sent to the master that holds it (the others answer MOVED), as
     * {@link RespProbe#command} replies.
     */
    Object command(String... args) {
        IllegalStateException last = null;
        for (RedisServerProcess m : masters) {
            try {
                return RespProbe.command(m.port(), args);
            } catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("MOVED")) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    @Override
    public void close() {
        masters.forEach(RedisServerProcess::close);
    }
}
