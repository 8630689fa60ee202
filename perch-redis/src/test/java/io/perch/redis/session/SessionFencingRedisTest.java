package io.perch.redis.session;

import io.perch.broker.message.Message;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.redis.cluster.Ownership;
import io.perch.redis.testkit.RedisBackendTest;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cluster mode's session store against a real Redis: a write carrying an epoch older than the
 * client's owner hash changes nothing and fails; a current one applies; in one write of two
 * clients only the current client's batch applies. And restore reads only this node's
 * sessions, claiming those nobody owns.
 */
class SessionFencingRedisTest extends RedisBackendTest {
    private RedisSessionPersistence store;
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    @BeforeEach
    void startStore() {
        start();
        store = (RedisSessionPersistence) backend.plugin.stores().persistence();
        store.fencing(c -> epochs.getOrDefault(c, -1L), registry);
    }

    private CompletableFuture<Void> write(Change... changes) {
        return store.write(List.of(changes)).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS);
    }

    private Optional<StoredSession> load(String clientId) {
        return store.load(clientId).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private void owner(String clientId, String node, long epoch) {
        redis.cli().hset("perch:owner:{" + clientId + "}", Map.of("node", node, "epoch", Long.toString(epoch)));
    }

    private Message message(String topic) {
        return backend.broker.newMessage(topic, "p".getBytes(StandardCharsets.UTF_8), 1, false, "pub");
    }

    private static Change.SessionMessageAdded queued(String cid, long seq, Message m) {
        return new Change.SessionMessageAdded(cid, seq, m.id(), m.qos(), false, new int[0], null, null);
    }

    @Test
    void aWriteWithAStaleEpochChangesNothingAndFails() {
        owner("c1", "b", 2);
        epochs.put("c1", 1L);

        assertThatThrownBy(() -> write(new Change.SessionSaved("c1", 5, 3600, 0)).join())
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(FencedWriteException.class)
                .hasMessage("writes for client c1 refused: node b owns it now (epoch 2)");

        assertThat(redis.cli().exists("perch:session:{c1}")).isZero();
        assertThat(redis.cli().zscore("perch:sessions", "c1")).isNull();
        assertThat(store.fencedWrites()).isEqualTo(1);
        assertThat(registry.get("perch.cluster.fenced_writes").counter().count()).isEqualTo(1);
    }

    @Test
    void aWriteWithTheCurrentEpochApplies() {
        owner("c1", "a", 2);
        epochs.put("c1", 2L);

        write(new Change.SessionSaved("c1", 5, 3600, 0)).join();

        assertThat(load("c1")).isPresent();
        assertThat(store.fencedWrites()).isZero();
    }

    @Test
    void aClientNobodyOwnedYetAndAnUnfencedClientApply() {
        epochs.put("fresh", 0L); // claimed nowhere: epoch 0 is current
        write(new Change.SessionSaved("fresh", 5, 3600, 0)).join();
        owner("other", "b", 9); // not fenced here (-1): written as in single-node mode
        write(new Change.SessionSaved("other", 5, 3600, 0)).join();

        assertThat(load("fresh")).isPresent();
        assertThat(load("other")).isPresent();
    }

    @Test
    void inOneWriteOfTwoClientsOnlyTheCurrentOneApplies() {
        owner("stale", "b", 3);
        epochs.put("stale", 2L);
        owner("current", "a", 4);
        epochs.put("current", 4L);
        Message m = message("t");
        CompletableFuture<Void> staleDone;
        CompletableFuture<Void> currentDone;
        try (SessionPersistence.Group g = store.group()) {
            // The stale batch comes first and names the body: the current one must still get it.
            staleDone = write(new Change.SessionSaved("stale", 5, 3600, 0), new Change.MessageAdded(m), queued("stale", 1, m));
            currentDone = write(new Change.SessionSaved("current", 5, 3600, 0), new Change.MessageAdded(m),
                    queued("current", 1, m));
        }

        currentDone.join();
        assertThatThrownBy(staleDone::join).cause().isInstanceOf(FencedWriteException.class);
        assertThat(redis.cli().exists("perch:session:{stale}", "perch:out:{stale}")).isZero();
        StoredSession current = load("current").orElseThrow();
        assertThat(current.messages()).hasSize(1);
        assertThat(current.messages().get(0).message().id()).isEqualTo(m.id());
        String body = "perch:msg:" + backend.plugin.config().compat().id(m.id());
        assertThat(redis.cli().hget(body, "refs")).as("one reference: the current session's").isEqualTo("1");
        assertThat(store.fencedWrites()).isEqualTo(1);
    }

    @Test
    void restoreReadsOnlyThisNodesSessionsAndClaimsUnownedOnes() {
        for (String c : List.of("mine", "theirs", "legacy")) {
            write(new Change.SessionSaved(c, 5, 3600, 1000)).join();
        }
        owner("mine", "a", 1);
        redis.cli().sadd("perch:cluster:owned:a", "mine");
        owner("theirs", "b", 1);
        try (OwnershipPool pool = new OwnershipPool(redis)) {
            Ownership a = new Ownership("a", pool.runtime());
            store.restoreOwned(a);

            List<SessionPersistence.Dormant> restored = store.restore().toCompletableFuture()
                    .orTimeout(30, TimeUnit.SECONDS).join();

            assertThat(restored).extracting(SessionPersistence.Dormant::clientId).containsExactlyInAnyOrder("mine", "legacy");
            assertThat(redis.cli().hget("perch:owner:{legacy}", "node")).isEqualTo("a");
            assertThat(redis.cli().smembers("perch:cluster:owned:a")).containsExactlyInAnyOrder("mine", "legacy");
            assertThat(a.epochOf("legacy")).isEqualTo(1);
        }
    }

    /** A pool of the test Redis for the ownership of node "a" (the store's own pool is the plugin's). */
    private static final class OwnershipPool implements AutoCloseable {
        private final io.lettuce.core.resource.ClientResources resources =
                io.lettuce.core.resource.DefaultClientResources.create();
        private final io.perch.redis.client.PoolConnector connector;
        private final io.perch.redis.client.CommandPipeline pipeline;
        private final io.perch.redis.function.PoolRuntime runtime;

        OwnershipPool(TestRedis redis) {
            var config = new io.perch.redis.config.PoolConfig("own", io.perch.redis.config.PoolType.SINGLE,
                    List.of(new io.perch.redis.config.HostPort("127.0.0.1", redis.port())), null, 1, 0, null, null,
                    "mqtt_channel", io.perch.redis.config.TlsConfig.OFF);
            connector = new io.perch.redis.client.PoolConnector(config, resources, java.time.Duration.ofSeconds(5));
            pipeline = new io.perch.redis.client.CommandPipeline("own", connector::connect,
                    new io.perch.redis.client.BackendMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
                    1000, java.time.Duration.ofSeconds(5));
            pipeline.start();
            runtime = new io.perch.redis.function.PoolRuntime(config, pipeline);
        }

        io.perch.redis.function.PoolRuntime runtime() {
            return runtime;
        }

        @Override
        public void close() {
            pipeline.close(java.time.Duration.ofSeconds(1));
            connector.close();
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
