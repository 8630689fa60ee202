package io.perch.redis.cluster;

import io.perch.broker.cluster.Cluster;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Claims, losses and disowns of client ownership against a real Redis: the epoch only grows,
 * and only when the claim takes the client from someone (another node, another process of the
 * same name, or a claim another node has asked to end).
 */
class OwnershipRedisTest {
    private final TestRedis redis = TestRedis.start();
    private final NodePool rigA = new NodePool(redis);
    private final NodePool rigB = new NodePool(redis);
    private final Ownership a = new Ownership("a", rigA.pool);
    private final Ownership b = new Ownership("b", rigB.pool);

    @AfterEach
    void stop() {
        rigA.close();
        rigB.close();
        redis.close();
    }

    private static <T> T join(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void aClaimWinsOnlyOverTheExpectedOwner() {
        assertThat(join(a.claim("x", null))).isEqualTo(new Cluster.Claim(true, "a", 1));
        assertThat(join(b.claim("x", null))).as("expected none, a owns it").isEqualTo(new Cluster.Claim(false, "a", 1));
        assertThat(join(b.claim("x", "c"))).isEqualTo(new Cluster.Claim(false, "a", 1));
        assertThat(b.epochOf("x")).isEqualTo(-1);

        assertThat(join(b.claim("x", "a"))).isEqualTo(new Cluster.Claim(true, "b", 2));

        assertThat(join(a.owner("x"))).isEqualTo("b");
        assertThat(b.epochOf("x")).isEqualTo(2);
        assertThat(a.epochOf("x")).as("a has not heard: its writes carry the old epoch").isEqualTo(1);
        assertThat(redis.cli().smembers("perch:cluster:owned:b")).containsExactly("x");
        assertThat(redis.cli().smembers("perch:cluster:owned:a")).isEmpty();
        assertThat(redis.cli().hgetall("perch:owner:{x}")).containsEntry("node", "b").containsEntry("epoch", "2");
    }

    @Test
    void theHoldersClaimKeepsItsEpochSoItsWritesInFlightStayCurrent() {
        assertThat(join(a.claim("x", null))).isEqualTo(new Cluster.Claim(true, "a", 1));
        assertThat(join(a.claim("x", null))).as("a claim of one's own client").isEqualTo(new Cluster.Claim(true, "a", 1));
        assertThat(join(a.claim("x", "dead"))).as("a reaper's client coming back to it").isEqualTo(new Cluster.Claim(true, "a", 1));
        assertThat(a.epochOf("x")).isEqualTo(1);

        Ownership restarted = new Ownership("a", rigB.pool); // same name, holding no claim (nothing restored): a new one
        assertThat(join(restarted.claim("x", null))).isEqualTo(new Cluster.Claim(true, "a", 2));
        assertThat(join(a.claim("x", null))).as("a's epoch is no longer current").isEqualTo(new Cluster.Claim(true, "a", 3));
    }

    @Test
    void aClaimAfterAnotherNodeAskedForTheClientIsNew() {
        join(a.claim("x", null));
        join(a.released("x")); // b asked; b has not claimed (yet)
        assertThat(a.holds("x")).isFalse();

        assertThat(join(a.claim("x", null))).isEqualTo(new Cluster.Claim(true, "a", 2));
        assertThat(a.holds("x")).as("a newer claim than the one b asked for").isTrue();
    }

    @Test
    void aDisownKeepsTheEpochSoTheNextClaimIsNewer() {
        join(a.claim("x", null));
        join(b.claim("x", "a"));

        assertThat(join(a.disown("x"))).as("no longer a's").isFalse();
        assertThat(join(b.disown("x"))).isTrue();

        assertThat(join(a.owner("x"))).isNull();
        assertThat(b.epochOf("x")).isEqualTo(-1);
        assertThat(redis.cli().hgetall("perch:owner:{x}")).doesNotContainKey("node").containsEntry("epoch", "2");
        assertThat(redis.cli().smembers("perch:cluster:owned:b")).isEmpty();
        assertThat(join(a.claim("x", null))).isEqualTo(new Cluster.Claim(true, "a", 3));
    }

    @Test
    void ownedListsEachNodesClients() {
        for (int i = 0; i < 2500; i++) {
            join(i % 2 == 0 ? a.claim("c" + i, null) : b.claim("c" + i, null));
        }
        assertThat(join(a.owned())).hasSize(1250).contains("c0", "c2498").doesNotContain("c1");
        assertThat(join(a.ownedBy("b"))).hasSize(1250).contains("c1");
        assertThat(join(a.ownedBy("nobody"))).isEmpty();
    }
}
