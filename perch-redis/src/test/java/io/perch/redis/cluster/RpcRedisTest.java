package io.perch.redis.cluster;

import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.perch.broker.cluster.ClusterCallException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Calls between nodes against a real redis-server: answered, unanswered, failed, and a node's own. */
class RpcRedisTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private final ClusterRig rig = new ClusterRig();

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private Rpc node(String name) {
        Rpc r = rig.keep(new Rpc(rig.connector(), name, TIMEOUT));
        r.start();
        return r;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String await(CompletionStage<byte[]> call) throws Exception {
        return new String(call.toCompletableFuture().get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }

    private static ClusterCallException failure(CompletionStage<byte[]> call) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> call.toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(ClusterCallException.class);
        return (ClusterCallException) e.getCause();
    }

    @Test
    void anotherNodesHandlerAnswersTheCall() throws Exception {
        Rpc a = node("a");
        Rpc b = node("b");
        b.serve("echo", req -> utf8("b says " + new String(req, StandardCharsets.UTF_8)
                + " on " + Thread.currentThread().getName()));
        assertThat(await(a.call("b", "echo", utf8("hello")))).isEqualTo("b says hello on perch-cluster-rpc");
        // binary bodies and many calls in flight at once
        byte[] bytes = new byte[70_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        b.serve("same", req -> req);
        var calls = new java.util.ArrayList<CompletionStage<byte[]>>();
        for (int i = 0; i < 20; i++) {
            calls.add(a.call("b", "same", bytes));
        }
        for (CompletionStage<byte[]> c : calls) {
            assertThat(c.toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(bytes);
        }
        // the replies were taken: none is left behind in Redis
        assertThat(rig.redis.cli().keys("perch:cluster:rpc:reply:*")).isEmpty();
    }

    @Test
    void aNodeThatDoesNotAnswerTimesOutCleanly() {
        Rpc a = node("a");
        // "mute" listens on its channel (so the request is taken) but never answers.
        StatefulRedisPubSubConnection<String, String> mute = rig.keep(rig.connector().connectPubSub());
        mute.sync().subscribe(NodeKeys.rpc("mute"));
        long start = System.nanoTime();
        ClusterCallException e = failure(a.call("mute", "echo", utf8("x")));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.answered()).isFalse();
        assertThat(e.node()).isEqualTo("mute");
        assertThat(e.getMessage()).contains("no answer within 1000 ms").contains("cluster.rpc_timeout");
        assertThat(tookMs).isBetween(TIMEOUT.toMillis() - 50, TIMEOUT.toMillis() + 5000);

        // A node nobody listens for fails at once, without waiting for the timeout.
        ClusterCallException gone = failure(a.call("gone", "echo", utf8("x")));
        assertThat(gone.answered()).isFalse();
        assertThat(gone.getMessage()).contains("not listening");
    }

    @Test
    void aHandlersErrorIsReportedBackToTheCaller() {
        Rpc a = node("a");
        Rpc b = node("b");
        b.serve("boom", req -> {
            throw new IllegalStateException("the store is closed");
        });
        ClusterCallException e = failure(a.call("b", "boom", new byte[0]));
        assertThat(e.answered()).isTrue();
        assertThat(e.node()).isEqualTo("b");
        assertThat(e.getMessage()).isEqualTo("node b failed to answer boom: the store is closed");

        ClusterCallException unknown = failure(a.call("b", "nothing", new byte[0]));
        assertThat(unknown.answered()).isTrue();
        assertThat(unknown.getMessage()).isEqualTo("node b serves no nothing");
    }

    @Test
    void aNodesOwnCallIsAnsweredWithoutRedis() throws Exception {
        Rpc a = node("a");
        a.serve("echo", req -> utf8("local " + new String(req, StandardCharsets.UTF_8)));
        rig.redis.close(); // Redis is gone: the node's own part must not need it
        assertThat(await(a.call("a", "echo", utf8("x")))).isEqualTo("local x");
        ClusterCallException e = failure(a.call("b", "echo", utf8("x")));
        assertThat(e.answered()).isFalse();
    }

    @Test
    void aStoppedNodeFailsItsWaitingCalls() {
        Rpc a = node("a");
        StatefulRedisPubSubConnection<String, String> mute = rig.keep(rig.connector().connectPubSub());
        mute.sync().subscribe(NodeKeys.rpc("mute"));
        CompletionStage<byte[]> waiting = a.call("mute", "echo", utf8("x"));
        a.close();
        ClusterCallException e = failure(waiting);
        assertThat(e.answered()).isFalse();
        assertThat(e.getMessage()).isEqualTo("this node is stopping");
    }
}
