package io.perch.redis.topology;

import io.perch.redis.client.CommandPipeline;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.RecordingBroker;
import io.perch.redis.testkit.Rules;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Sentinel pool (master, one replica, three sentinels, all real processes): writes go to the
 * master; when it dies the sentinels promote the replica and the pool follows it, replaying
 * what was written meanwhile.
 */
class SentinelFailoverTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    @Test
    void writesFollowTheMasterThroughAFailover() {
        TestRedis master = keep(TestRedis.start());
        TestRedis replica = keep(TestRedis.start("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        TestRedis s1 = keep(TestRedis.sentinel("mymaster", master.port()));
        TestRedis s2 = keep(TestRedis.sentinel("mymaster", master.port()));
        TestRedis s3 = keep(TestRedis.sentinel("mymaster", master.port()));
        await().atMost(Duration.ofSeconds(20)).until(() -> replica.cli().info("replication").contains("master_link_status:up"));
        // Every sentinel must know the replica (learnt from the master) before the master can fail over to it.
        for (TestRedis s : List.of(s1, s2, s3)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> s.cli().info("sentinel").contains("slaves=1,sentinels=3"));
        }

        Backend backend = keep(Backend.startWith(new RecordingBroker("perch@127.0.0.1"), List.of(
                "backend.redis.pool1.server = " + s1.server() + "," + s2.server() + "," + s3.server(),
                "backend.redis.pool1.type = sentinel",
                "backend.redis.pool1.sentinel = mymaster",
                "backend.redis.embedded = off",
                Rules.PUBLISH)));
        Events events = new Events(backend.broker);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(pipeline::isUp);
        for (int i = 0; i < 50; i++) {
            events.publish("p", "sensor/" + (i % 5), "before-" + i, 1, false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stored(master) == 50 && stored(replica) == 50);

        master.kill();
        for (int i = 0; i < 50; i++) {
            events.publish("p", "sensor/" + (i % 5), "during-" + i, 1, false);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> replica.cli().info("replication").contains("role:master"));
        await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.isUp() && pipeline.backlog() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> stored(replica) == 100);
        assertThat(replica.cli().keys("mqtt:msg:*")).hasSize(105);
    }

    private static long stored(TestRedis r) {
        long n = 0;
        for (int t = 0; t < 5; t++) {
            n += r.cli().zcard("mqtt:msg:sensor/" + t);
        }
        return n;
    }
}
