package io.perch.redis.client;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.message.Message;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.perch.redis.testkit.Rules.PUBLISH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs of built-in writes go to Redis as one script each: the keys are the same as command
 * by command, a command Redis refuses fails only the write it belongs to, a topic's ZADDs are
 * folded into one, and a Redis that forbids scripts gets plain commands.
 */
class ScriptedWritesRedisTest extends RedisBackendTest {

    private void publish(String topic, int i) {
        Message m = backend.broker.newMessage(topic, ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false, "p");
        backend.broker.hooks().run(HookPoints.MESSAGE_PUBLISH, new PublishEvent(events.client("p"), m, true))
                .toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Publishes while Redis is paused, so that all of them reach it in one batch. */
    private void publishInOneBatch(Runnable publishes) {
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(pipeline::isUp);
        redis.cli().clientPause(500);
        publishes.run();
    }

    private long calls(String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(redis.cli().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aTopicsMessagesAreStoredWithOneScriptAndOneZadd() {
        start(PUBLISH);
        publishInOneBatch(() -> {
            for (int i = 0; i < 100; i++) {
                publish("t", i);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:t") == 100);
        for (String id : redis.cli().zrange("mqtt:msg:t", 0, -1)) {
            assertThat(redis.cli().hget("mqtt:msg:" + id, "topic")).isEqualTo("t");
            assertThat(redis.cli().ttl("mqtt:msg:" + id)).isBetween(3500L, 3600L);
        }
        assertThat(calls("eval")).as("scripts").isPositive();
        assertThat(calls("hset")).isEqualTo(100);
        assertThat(calls("zadd")).as("ZADDs of the message set, folded").isLessThan(10);
        assertThat(backend.count("on_message_publish", "success")).isEqualTo(100);
    }

    @Test
    void aCommandRedisRefusesFailsOnlyTheWriteItBelongsTo() {
        start(PUBLISH);
        redis.cli().set("mqtt:msg:bad", "not a sorted set");
        publishInOneBatch(() -> {
            for (int i = 0; i < 20; i++) {
                publish(i == 10 ? "bad" : "good", i);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.count("on_message_publish", "failure") == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.count("on_message_publish", "success") == 19);
        assertThat(redis.cli().zcard("mqtt:msg:good")).isEqualTo(19);
        assertThat(redis.cli().get("mqtt:msg:bad")).isEqualTo("not a sorted set");
        // The refused ZADD did not stop the commands after it, in its write or in later ones.
        assertThat(redis.cli().keys("mqtt:msg:*")).hasSize(20 + 2);
    }

    @Test
    void aUserWhoMayNotRunScriptsGetsPlainCommands() {
        redis.cli().aclSetuser("perch", io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("secret")
                .allKeys().allCommands().removeCommand(io.lettuce.core.protocol.CommandType.EVAL)
                .removeCommand(io.lettuce.core.protocol.CommandType.EVALSHA));
        start(PUBLISH, "backend.redis.pool1.username = perch", "backend.redis.pool1.password = secret");
        publishInOneBatch(() -> {
            for (int i = 0; i < 30; i++) {
                publish("t", i);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:t") == 30);
        assertThat(calls("eval")).isZero();
        assertThat(calls("zadd")).as("one per message, plus the topic index").isEqualTo(30 + 1);
        assertThat(backend.count("on_message_publish", "failure")).isZero();
    }

    private void write(java.util.List<RedisCall> calls) {
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        pipeline.submit(RedisOp.write("test", calls)).orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void unrefInsideTheScriptDeletesTheBodyAtItsLastReference() {
        start();
        // Connected first: the connect's probe ("may this connection run scripts?") is an EVAL too.
        await().atMost(Duration.ofSeconds(10)).until(backend.plugin.pipeline("pool1").orElseThrow()::isUp);
        redis.cli().hset("perch:msg:x", java.util.Map.of("topic", "t", "refs", "2"));
        long evalsBefore = calls("eval");
        write(java.util.List.of(PseudoCommands.unref(b("perch:msg:x")), PseudoCommands.unref(b("perch:msg:gone"))));
        assertThat(redis.cli().hget("perch:msg:x", "refs")).isEqualTo("1");
        assertThat(redis.cli().exists("perch:msg:gone")).as("a missing body stays missing").isZero();
        write(java.util.List.of(PseudoCommands.unref(b("perch:msg:x"))));
        assertThat(redis.cli().exists("perch:msg:x")).isZero();
        assertThat(calls("eval") - evalsBefore).as("one script per write, no EVAL of its own").isEqualTo(2);
        assertThat(calls("hincrby")).isEqualTo(3);
    }

    /** Folded ({@link WriteFolds}): one HINCRBY takes the run's references, in the script and alone. */
    @Test
    void aFoldedUnrefTakesEveryReferenceOfItsRun() throws Exception {
        start();
        await().atMost(Duration.ofSeconds(10)).until(backend.plugin.pipeline("pool1").orElseThrow()::isUp);
        redis.cli().hset("perch:msg:x", java.util.Map.of("topic", "t", "refs", "5"));
        java.util.List<RedisCall> three = WriteFolds.fold(java.util.List.of(PseudoCommands.unref(b("perch:msg:x")),
                PseudoCommands.unref(b("perch:msg:x")), PseudoCommands.unref(b("perch:msg:x"))), new java.util.ArrayList<>());
        assertThat(three).hasSize(1);
        long before = calls("hincrby");
        write(three);
        assertThat(calls("hincrby") - before).isEqualTo(1);
        assertThat(redis.cli().hget("perch:msg:x", "refs")).isEqualTo("2");
        var client = io.lettuce.core.RedisClient.create("redis://" + redis.server());
        try (var conn = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            java.util.List<RedisCall> two = WriteFolds.fold(java.util.List.of(PseudoCommands.unref(b("perch:msg:x")),
                    PseudoCommands.unref(b("perch:msg:x"))), new java.util.ArrayList<>());
            assertThat(two.get(0).issue(conn.async()).get(5, TimeUnit.SECONDS)).isEqualTo(0L);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        assertThat(redis.cli().exists("perch:msg:x")).as("gone with its last reference").isZero();
    }

    @Test
    void setHeadRewritesThePhaseAndPacketIdOnly() {
        start();
        redis.cli().hset("perch:out:{c}", "7", "QUEUED|0|id1|1|0||-1|-1|");
        write(java.util.List.of(PseudoCommands.setHead(b("perch:out:{c}"), b("7"), "SENT|12"),
                PseudoCommands.setHead(b("perch:out:{c}"), b("8"), "SENT|13")));
        assertThat(redis.cli().hgetall("perch:out:{c}")).containsOnly(java.util.Map.entry("7", "SENT|12|id1|1|0||-1|-1|"));
    }

    /** Folded ({@link WriteFolds}): one HMGET and one HSET for the run, in the script and alone. */
    @Test
    void aFoldedSetHeadRewritesEachFieldItNamesThatExists() throws Exception {
        start();
        redis.cli().hset("perch:out:{c}", java.util.Map.of("1", "QUEUED|0|a|1|0||-1|-1|", "2", "QUEUED|0|b|1|0||-1|-1|",
                "3", "QUEUED|0|c|1|0||-1|-1|"));
        java.util.List<RedisCall> run = java.util.List.of(PseudoCommands.setHead(b("perch:out:{c}"), b("1"), "SENT|11"),
                PseudoCommands.setHead(b("perch:out:{c}"), b("9"), "SENT|19"),
                PseudoCommands.setHead(b("perch:out:{c}"), b("2"), "SENT|12"),
                PseudoCommands.setHead(b("perch:out:{c}"), b("2"), "SENT|22"));
        java.util.List<RedisCall> folded = WriteFolds.fold(run, new java.util.ArrayList<>());
        assertThat(folded).hasSize(1);
        long hsetsBefore = calls("hset");
        write(folded);
        assertThat(calls("hset") - hsetsBefore).isEqualTo(1);
        assertThat(redis.cli().hgetall("perch:out:{c}")).containsOnly(java.util.Map.entry("1", "SENT|11|a|1|0||-1|-1|"),
                java.util.Map.entry("2", "SENT|22|b|1|0||-1|-1|"), java.util.Map.entry("3", "QUEUED|0|c|1|0||-1|-1|"));
        var client = io.lettuce.core.RedisClient.create("redis://" + redis.server());
        try (var conn = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            java.util.List<RedisCall> alone = WriteFolds.fold(java.util.List.of(
                    PseudoCommands.setHead(b("perch:out:{c}"), b("3"), "RELEASED|3"),
                    PseudoCommands.setHead(b("perch:out:{c}"), b("1"), "RELEASED|1")), new java.util.ArrayList<>());
            assertThat(alone.get(0).issue(conn.async()).get(5, TimeUnit.SECONDS)).isEqualTo(2L);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        assertThat(redis.cli().hget("perch:out:{c}", "3")).isEqualTo("RELEASED|3|c|1|0||-1|-1|");
        assertThat(redis.cli().hget("perch:out:{c}", "1")).isEqualTo("RELEASED|1|a|1|0||-1|-1|");
    }

    @Test
    void aPseudoCommandRefusedByRedisFailsOnlyItsWrite() {
        start();
        redis.cli().set("perch:msg:bad", "a string");
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        var bad = pipeline.submit(RedisOp.write("test", java.util.List.of(PseudoCommands.unref(b("perch:msg:bad")))));
        write(java.util.List.of(ArgvCall.of(r -> r.set(b("after"), b("1")), "SET", "after", "1")));
        assertThat(bad).isCompletedExceptionally();
        assertThat(redis.cli().get("after")).isEqualTo("1");
    }

    /** Alone (as on Cluster, or when Redis refuses the batch script) each is an EVAL of a one-key script. */
    @Test
    void sentAloneAPseudoCommandIsAOneKeyScript() throws Exception {
        start();
        redis.cli().hset("perch:msg:y", java.util.Map.of("topic", "t", "refs", "1"));
        redis.cli().hset("perch:out:{c}", "1", "QUEUED|0|y|1|0||-1|-1|");
        var client = io.lettuce.core.RedisClient.create("redis://" + redis.server());
        try (var conn = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            var async = conn.async();
            assertThat(PseudoCommands.setHead(b("perch:out:{c}"), b("1"), "RELEASED|3").issue(async)
                    .get(5, TimeUnit.SECONDS)).isEqualTo(1L);
            assertThat(PseudoCommands.unref(b("perch:msg:y")).issue(async).get(5, TimeUnit.SECONDS)).isEqualTo(0L);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        assertThat(redis.cli().hget("perch:out:{c}", "1")).isEqualTo("RELEASED|3|y|1|0||-1|-1|");
        assertThat(redis.cli().exists("perch:msg:y")).isZero();
    }

    /**
     * {@code PERCH.PUTREF}: the entry is written either way, the body's reference added only for
     * a new entry, in the batch script and sent alone (a two-key script).
     */
    @Test
    void putRefAddsTheReferenceOnlyForANewEntry() throws Exception {
        start();
        await().atMost(Duration.ofSeconds(10)).until(backend.plugin.pipeline("pool1").orElseThrow()::isUp);
        redis.cli().hset("perch:msg:p", java.util.Map.of("topic", "t", "refs", "1"));
        redis.cli().hset("perch:out:{c}", "1", "QUEUED|0|p|1|0||-1|-1|");
        write(java.util.List.of(PseudoCommands.putRef(b("perch:out:{c}"), b("1"), b("SENT|4|p|1|0||-1|-1|"), b("perch:msg:p"))));
        assertThat(redis.cli().hget("perch:out:{c}", "1")).isEqualTo("SENT|4|p|1|0||-1|-1|");
        assertThat(redis.cli().hget("perch:msg:p", "refs")).as("the entry was there: no second reference").isEqualTo("1");
        write(java.util.List.of(PseudoCommands.putRef(b("perch:out:{c}"), b("2"), b("QUEUED|0|p|1|0||-1|-1|"), b("perch:msg:p"))));
        assertThat(redis.cli().hget("perch:msg:p", "refs")).as("a new entry").isEqualTo("2");

        var client = io.lettuce.core.RedisClient.create("redis://" + redis.server());
        try (var conn = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            var async = conn.async();
            assertThat(PseudoCommands.putRef(b("perch:out:{c}"), b("2"), b("SENT|5|p|1|0||-1|-1|"), b("perch:msg:p"))
                    .issue(async).get(5, TimeUnit.SECONDS)).isEqualTo(0L);
            assertThat(PseudoCommands.putRef(b("perch:out:{c}"), b("3"), b("QUEUED|0|p|1|0||-1|-1|"), b("perch:msg:p"))
                    .issue(async).get(5, TimeUnit.SECONDS)).isEqualTo(1L);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        assertThat(redis.cli().hget("perch:out:{c}", "2")).isEqualTo("SENT|5|p|1|0||-1|-1|");
        assertThat(redis.cli().hget("perch:msg:p", "refs")).isEqualTo("3");
    }

    private static java.util.List<RedisCall> counted(long seq, String... moreKeys) {
        java.util.List<RedisCall> calls = new java.util.ArrayList<>();
        calls.add(ArgvCall.of(r -> r.hincrby(b("perch:msg:z"), b("refs"), 1), "HINCRBY", "perch:msg:z", "refs", 1));
        for (String k : moreKeys) {
            calls.add(ArgvCall.of(r -> r.set(b(k), b("1")), "SET", k, "1"));
        }
        calls.add(0, PseudoCommands.once(b("perch:applied:t:w"), seq, calls.size(), 60_000));
        return calls;
    }

    /**
     * A write Redis applied and the pipeline sends again (its reply was lost with the
     * connection) is skipped: a body's reference count is not counted twice. Writes are numbered
     * in the order they are submitted, so an older number than the marker's is a replay too.
     */
    @Test
    void aWriteGuardedByOnceIsAppliedOnceWhenReplayed() {
        start();
        write(counted(5));
        write(counted(5)); // the replay
        assertThat(redis.cli().hget("perch:msg:z", "refs")).isEqualTo("1");
        write(counted(6, "six"));
        write(counted(5, "five")); // an older write, replayed after a newer one
        assertThat(redis.cli().hget("perch:msg:z", "refs")).isEqualTo("2");
        assertThat(redis.cli().get("six")).isEqualTo("1");
        assertThat(redis.cli().exists("five")).isZero();
        assertThat(redis.cli().get("perch:applied:t:w")).isEqualTo("6");
        assertThat(redis.cli().pttl("perch:applied:t:w")).isPositive();
    }

    /** In one script with other writes, a skipped write skips only its own commands. */
    @Test
    void aSkippedWriteLeavesTheOthersInItsScript() {
        start();
        write(counted(7));
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        redis.cli().clientPause(300); // so that the three reach Redis in one batch
        var replay = pipeline.submit(RedisOp.write("test", counted(7, "replayed")));
        var next = pipeline.submit(RedisOp.write("test", counted(8, "eight")));
        var other = pipeline.submit(RedisOp.write("test", java.util.List.of(
                ArgvCall.of(r -> r.set(b("other"), b("1")), "SET", "other", "1"))));
        java.util.concurrent.CompletableFuture.allOf(replay, next, other).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(redis.cli().hget("perch:msg:z", "refs")).isEqualTo("2");
        assertThat(redis.cli().exists("replayed")).isZero();
        assertThat(redis.cli().get("eight")).isEqualTo("1");
        assertThat(redis.cli().get("other")).isEqualTo("1");
    }
}
