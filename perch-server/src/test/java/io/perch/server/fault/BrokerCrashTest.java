package io.perch.server.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * The broker killed for real (SIGKILL, several times) while a persistent subscriber and
 * persistent publishers run, and every acknowledged message accounted for (see {@link Ledger}).
 *
 * <p>Short by default for CI (3 kills, 2 x 2000 messages). A long run:
 * {@code mvn -o -pl perch-server -am verify -Dtest='BrokerCrash*' -Dsurefire.failIfNoSpecifiedTests=false
 * -Dperch.fault.kills=10 -Dperch.fault.messages=100000 -Djunit.jupiter.execution.timeout.mode=disabled}
 * (messages per publisher; the last property lifts the timeouts, which are sized for the short run).
 * Each run prints its summary line to the test's output
 * (perch-server/target/surefire-reports/io.perch.server.fault.BrokerCrashTest-output.txt).
 */
@Tag("fault")
class BrokerCrashTest {
    private static final int KILLS = Integer.getInteger("perch.fault.kills", 3);
    private static final long MESSAGES = Long.getLong("perch.fault.messages", 2000);

    @TempDir
    Path home;

    private final Started processes = new Started();

    @AfterEach
    void stopEverything() {
        processes.closeAll();
    }

    private <T extends AutoCloseable> T started(T t) {
        return processes.add(t);
    }

    /**
     * The guarantee: with sessions kept in Redis ({@code persistence.mode = redis}) and the
     * acknowledgement after Redis replied ({@code persistence.ack = redis}), no acknowledged
     * message is lost, QoS 2 arrives once, order holds, and every client finds its session.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void redisStoreKeepsEveryAcknowledgedMessageAcrossKills() throws Exception {
        runWithRedis("redis", List.of(), CrashRun.TOPIC_QOS1, CrashRun.TOPIC_QOS2);
    }

    /**
     * As above on the EMQ X rule topics: the QoS 1 stream on queue/..., the QoS 2 one on
     * pubsub/..., with the shipped rules that store those messages in Redis and fetch them for
     * a subscriber. Storing and fetching must not turn into loss or a second QoS 2 delivery
     * when the broker dies.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void redisStoreKeepsEveryAcknowledgedMessageOnRuleTopicsAcrossKills() throws Exception {
        runWithRedis("redis, rule topics", List.of(
                "backend.redis.hook.session.subscribed.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": "
                        + "\"on_message_fetch_for_queue\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.session.subscribed.2 = {\"topic\": \"pubsub/#\", \"action\": {\"function\": "
                        + "\"on_message_fetch_for_pubsub\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.publish.1 = {\"topic\": \"#\", \"action\": {\"function\": "
                        + "\"on_message_publish\"}, \"pool\": \"pool1\", \"expired_time\": 3600}",
                "backend.redis.hook.message.acked.1 = {\"topic\": \"queue/#\", \"action\": {\"function\": "
                        + "\"on_message_acked_for_queue\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.acked.2 = {\"topic\": \"pubsub/#\", \"action\": {\"function\": "
                        + "\"on_message_acked_for_pubsub\"}, \"pool\": \"pool1\"}"),
                "queue/fault/qos1", "pubsub/fault/qos2");
    }

    /**
     * A run against an external redis-server with the durable store on, plus {@code extra}
     * config, and its verdict. A failed run's message adds the trail of the messages around the
     * first problems and what the store holds of them for the subscriber.
     */
    private void runWithRedis(String mode, List<String> extra, String topicQos1, String topicQos2) throws Exception {
        RedisServerProcess redis = started(RedisServerProcess.start());
        List<String> config = new ArrayList<>(List.of(
                "backend.redis.embedded = off", // the broker must use the external Redis, which survives its kills
                "backend.redis.pool1.server = " + redis.server(),
                "backend.redis.pool1.type = single",
                "persistence.mode = redis",
                "persistence.ack = redis",
                "persistence.pool = pool1"));
        config.addAll(extra);
        CrashRun run = started(new CrashRun(home, config, MESSAGES, Duration.ofSeconds(60), topicQos1, topicQos2));
        CrashRun.Result r = run.run(KILLS);
        String diagnosis = "";
        if (!r.summary().ok()) {
            List<Ledger.Key> keys = run.ledger().problemKeys();
            java.util.Set<String> payloads = new java.util.HashSet<>();
            keys.forEach(k -> payloads.add(new String(Ledger.payload(k.publisher(), k.seq()),
                    java.nio.charset.StandardCharsets.UTF_8)));
            diagnosis = "\ntrail of the messages around the first problems (test JVM's clock):\n"
                    + run.ledger().trail(keys, 3, 200) + "\n"
                    + StoredSessionView.describe(redis.port(), "fault-sub", payloads, List.of("fault-pub-q2"));
        }
        assertNothingLost(mode, r, diagnosis);
    }

    private static void assertNothingLost(String mode, CrashRun.Result r, String diagnosis) {
        System.out.println(r.line(mode) + diagnosis);
        // Both verdicts reported together: a lost session usually explains the lost messages.
        assertSoftly(soft -> {
            // The broker's timeline says where each acknowledgement falls against its starts.
            soft.assertThat(r.summary().ok()).as("%s\n%s%s\nbroker output (tail):\n%s", r.line(mode),
                    r.summary().problems(), diagnosis, r.brokerTail()).isTrue();
            soft.assertThat(r.everySessionPresent()).as("CONNACK session present after each restart: %s\n"
                    + "broker output (tail):\n%s", r.sessionPresentAfterRestart(), r.brokerTail()).isTrue();
        });
    }

    /**
     * The harness against itself: no kill, no store needed, so every acknowledged message must
     * arrive once and in order. If this fails the harness (or the broker's plain delivery) is
     * wrong, and the crash tests' verdicts mean nothing.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void withoutKillsEveryMessageArrivesOnceInOrder() throws Exception {
        CrashRun run = started(new CrashRun(home, List.of(), Math.min(MESSAGES, 2000), Duration.ofSeconds(30)));

        CrashRun.Result r = run.run(0);

        System.out.println(r.line("no kill"));
        assertThat(r.summary().ok()).as("%s\n%s", r.line("no kill"), r.summary().problems()).isTrue();
        assertThat(r.summary().delivered()).isEqualTo(r.summary().sent());
    }

    /**
     * The same run with no durable store (no Redis backend at all, so nothing can keep a
     * session whatever the defaults of the persistence keys are): SIGKILL must cost the
     * sessions and, in practice, acknowledged messages. This is the proof that the harness
     * can fail; the redis test above is the one that says whether the broker is right.
     * The session-present check is the deterministic part; loss depends on timing and is
     * printed, not asserted.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void withoutADurableStoreTheHarnessSeesTheLoss() throws Exception {
        CrashRun run = started(new CrashRun(home, List.of(), MESSAGES, Duration.ofSeconds(10)));

        int kills = Math.max(1, KILLS); // the point is a kill
        CrashRun.Result r = run.run(kills);

        System.out.println(r.line("memory"));
        System.out.print(r.summary().problems());
        assertThat(r.everySessionPresent()).as("a session survived SIGKILL without a store?").isFalse();
        assertThat(r.resubscribed()).isEqualTo(kills);
    }
}
