package io.perch.server.fault;

import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the issue "Durable sessions in Redis" asks of a start after {@code kill -9}, with the
 * broker as a separate process killed by SIGKILL against an external redis-server (AOF, fsync
 * always) and real MQTT clients:
 * <ul>
 * <li>the will of a client that was connected when the broker died is published once, after its
 * Will Delay Interval, to a persistent subscriber, and not again after a further kill;</li>
 * <li>a reconnect of that client within the delay cancels it (MQTT-3.1.3-9), durably;</li>
 * <li>a will still waiting out its delay when the broker died (its client had dropped) is due at
 * the drop plus the delay, as the store recorded, not at the restart plus the delay;</li>
 * <li>a will without delay (MQTT 3.1.1) is published at once after the restart;</li>
 * <li>a stored session whose expiry passes, while the broker is down or after its restart, is
 * removed from Redis with all its keys, index entries and queued message bodies, not before its
 * time, and its client then gets session present = 0;</li>
 * <li>an MQTT 3.1.1 clean-session-0 session keeps its subscription and queue across two kills.</li>
 * </ul>
 *
 * <p>When a delayed will is due: the broker cannot know when the killed process died, so a will
 * whose client was connected then is due at the restart (the restore of the stored sessions) plus
 * its delay ({@code DormantSessions.restore}); later than kill + delay, never earlier. The test
 * checks that on the broker's own clock, from the times it logged the restore and the will.
 * A will of a client that had dropped before the kill is due at its drop time plus the delay,
 * which the store keeps.
 */
@Tag("fault")
class WillsAndExpiryAcrossKillTest {
    /** A bound for anything the broker must do; generous, as the machine is shared with other tests. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * The broker's restore takes the time once and logs afterwards, and its log has millisecond
     * stamps: a will may be logged this much short of restore + delay and still be on time.
     */
    private static final long LOG_TOLERANCE_MS = 200;
    private static final String RESTORED = " stored sessions known";

    @TempDir
    Path home;

    private final Started processes = new Started();
    private RedisServerProcess redis;
    private BrokerProcess broker;

    @BeforeEach
    void startRedisAndBroker() throws Exception {
        redis = processes.add(RedisServerProcess.start());
        broker = processes.add(BrokerProcess.start(home, "wills@127.0.0.1", List.of(
                "backend.redis.embedded = off", // the external Redis, which survives the broker's kills
                "backend.redis.pool1.server = " + redis.server(),
                "backend.redis.pool1.type = single",
                "persistence.mode = redis",
                "persistence.ack = redis",
                "persistence.pool = pool1")));
    }

    @AfterEach
    void stopEverything() {
        processes.closeAll();
    }

    // ---- wills ----------------------------------------------------------------------------

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void delayedWillOfAClientConnectedAtTheKillIsPublishedOnceAfterItsDelay() throws Exception {
        long delay = 3;
        List<Received> seen = new CopyOnWriteArrayList<>();
        observer(seen, true);
        v5("dying", true, 300, new CopyOnWriteArrayList<>(), will("will/dying", "dying is gone", delay));
        until("the will stored, due once the connection ends", () -> "inf".equals(zscore("perch:wills", "dying")));

        long killedAt = System.nanoTime();
        killAndRestart();
        observer(seen, false);

        until("the will delivered to the observer", () -> !seen.isEmpty());
        Received will = seen.get(0);
        assertThat(will.topic()).isEqualTo("will/dying");
        assertThat(will.text()).isEqualTo("dying is gone");
        assertThat(Duration.ofNanos(will.atNanos() - killedAt)).as("from the kill to the will's arrival")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(delay));
        long afterRestore = millisBetween(logged(RESTORED), logged("publishing the will of stored session dying"));
        System.out.printf("delayed will (%d s): restore -> will %d ms (broker clock), kill -> arrival %d ms%n", delay,
                afterRestore, Duration.ofNanos(will.atNanos() - killedAt).toMillis());
        assertThat(afterRestore).as("ms from the restore to the will, on the broker's clock")
                .isGreaterThanOrEqualTo(delay * 1000 - LOG_TOLERANCE_MS)
                .isLessThan(delay * 1000 + WAIT.toMillis());
        // Sent, the store lets it go: the session stays (300 s), without a will.
        until("the will deleted from the store", () -> zscore("perch:wills", "dying") == null
                && !hexists("perch:session:{dying}", "will.delay"));
        assertThat(exists("perch:session:{dying}")).isTrue();

        // Once: not again on this start, nor after another kill (once the observer's PUBACK is
        // stored: before that a resend would be QoS 1's right, not a second will).
        until("the observer's acknowledgement stored", () -> (Long) redis("HLEN", "perch:out:{observer}") == 0);
        killAndRestart();
        observer(seen, false);
        long quiet = delay * 1000 + 2000; // past when a will still stored would be due again
        await("no second will").during(Duration.ofMillis(quiet)).atMost(Duration.ofMillis(quiet).plus(WAIT))
                .until(() -> seen.size() == 1);
        assertThat(broker.output()).noneMatch(l -> l.contains("publishing the will"));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aReconnectWithinTheWillDelayCancelsTheWill() throws Exception {
        long delay = 10; // room for the client to come back to the new broker before it runs out
        List<Received> seen = new CopyOnWriteArrayList<>();
        observer(seen, true);
        v5("flaky", true, 300, new CopyOnWriteArrayList<>(), will("will/flaky", "flaky is gone", delay));
        until("the will stored", () -> "inf".equals(zscore("perch:wills", "flaky")));

        killAndRestart();
        long restartedAt = System.nanoTime();
        V5 back = v5("flaky", false, 300, new CopyOnWriteArrayList<>(), o -> { });
        observer(seen, false);

        assertThat(back.sessionPresent()).isTrue();
        long backMs = millisBetween(logged(RESTORED), logged("client flaky connected"));
        System.out.printf("cancelled will (%d s): the client was back %d ms after the restore%n", delay, backMs);
        assertThat(backMs).as("the client came back within the will delay (else the will was rightly sent)")
                .isLessThan(delay * 1000);
        until("the cancelled will deleted from the store", () -> zscore("perch:wills", "flaky") == null
                && !hexists("perch:session:{flaky}", "will.delay"));
        // Watched until well past when it would have been due (restore + delay <= restartedAt + delay).
        long quietUntil = restartedAt + TimeUnit.SECONDS.toNanos(delay + 2);
        Duration quiet = Duration.ofNanos(Math.max(0, quietUntil - System.nanoTime()));
        await("no will").during(quiet).atMost(quiet.plus(WAIT)).until(seen::isEmpty);
        assertThat(broker.output()).noneMatch(l -> l.contains("publishing the will"));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aWillPendingWhenTheBrokerDiedIsDueAtTheDropPlusItsDelay() throws Exception {
        long delay = 8;
        List<Received> seen = new CopyOnWriteArrayList<>();
        observer(seen, true);
        V5 dropping = v5("dropped", true, 300, new CopyOnWriteArrayList<>(), will("will/dropped", "dropped is gone", delay));
        until("the will stored", () -> "inf".equals(zscore("perch:wills", "dropped")));
        dropping.client().disconnectForcibly(0, 1000, false); // no DISCONNECT: to the broker the network failed
        until("the drop stored, the will due after its delay", () -> {
            String due = zscore("perch:wills", "dropped");
            return due != null && !due.equals("inf");
        });
        long dueAt = (long) Double.parseDouble(zscore("perch:wills", "dropped"));

        broker.kill9();
        assertThat(zscore("perch:wills", "dropped")).as("the old process had not sent it yet").isNotNull();
        // Down for 4 s at least, so that "restart + delay" would be clearly later than "drop + delay".
        long upAgainAfter = dueAt - (delay - 4) * 1000;
        await("4 s down").atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> System.currentTimeMillis() > upAgainAfter);
        broker.restart();
        observer(seen, false);

        until("the will delivered to the observer", () -> !seen.isEmpty());
        assertThat(seen.get(0).text()).isEqualTo("dropped is gone");
        LocalTime published = logged("publishing the will of stored session dropped");
        LocalTime due = LocalTime.ofInstant(java.time.Instant.ofEpochMilli(dueAt), java.time.ZoneId.systemDefault());
        long afterDue = millisBetween(due, published);
        long beforeRestartPlusDelay = delay * 1000 - millisBetween(logged(RESTORED), published);
        System.out.printf("will pending at the kill (%d s): sent %d ms after drop + delay, %d ms before restart + delay%n",
                delay, afterDue, beforeRestartPlusDelay);
        assertThat(afterDue).as("ms from drop + delay to the will (not earlier)").isGreaterThanOrEqualTo(-LOG_TOLERANCE_MS);
        assertThat(beforeRestartPlusDelay).as("counted from the drop, not from the restart").isGreaterThan(2000);
        await("one will").during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> seen.size() == 1);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void willWithoutDelayIsPublishedSoonAfterTheRestart() throws Exception {
        List<Received> seen = new CopyOnWriteArrayList<>();
        observer(seen, true);
        v3("dying3", false, new CopyOnWriteArrayList<>(), o -> o.setWill("will/dying3",
                "dying3 is gone".getBytes(StandardCharsets.UTF_8), 1, false));
        until("the will stored", () -> "inf".equals(zscore("perch:wills", "dying3")));

        killAndRestart();
        observer(seen, false);

        until("the will delivered to the observer", () -> !seen.isEmpty());
        assertThat(seen.get(0).topic()).isEqualTo("will/dying3");
        assertThat(seen.get(0).text()).isEqualTo("dying3 is gone");
        // Due at the restore; the deadlines are looked at every 500 ms. "Soon" with room for a busy machine.
        long soon = millisBetween(logged(RESTORED), logged("publishing the will of stored session dying3"));
        System.out.printf("will without delay: restore -> will %d ms (broker clock)%n", soon);
        assertThat(soon).as("ms from the restore to the will, on the broker's clock").isBetween(0L, 10_000L);
        await("one will").during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> seen.size() == 1);
        until("the will deleted from the store", () -> zscore("perch:wills", "dying3") == null
                && !hexists("perch:session:{dying3}", "will.delay"));
    }

    // ---- session expiry ---------------------------------------------------------------------

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void sessionThatExpiredWhileTheBrokerWasDownIsRemovedWithItsMessages() throws Exception {
        long expiresAt = expiringSessionWithQueuedMessages("leaving", 4);

        broker.kill9();
        assertThat(exists("perch:session:{leaving}")).as("the session was still stored when the broker died "
                + "(the old process had not expired it yet)").isTrue();
        await("the expiry passes while the broker is down").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> System.currentTimeMillis() > expiresAt);
        broker.restart();

        // The client comes back at once: its session is over, whether or not the broker has removed it yet.
        List<Received> got = new CopyOnWriteArrayList<>();
        V5 back = v5("leaving", false, 0, got, o -> { }); // expiry 0: the new session is not stored
        assertThat(back.sessionPresent()).as("session present after the expiry").isFalse();

        until("the expired session removed from Redis", () -> goneFromRedis("leaving"));
        assertThat(keys("perch:msg:*")).as("bodies of the expired session's messages").isEmpty();
        await("nothing of the old session").during(Duration.ofSeconds(1)).atMost(WAIT).until(got::isEmpty);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void sessionStillValidAtTheRestartExpiresAtItsTimeAndIsRemovedWithItsMessages() throws Exception {
        long expiresAt = expiringSessionWithQueuedMessages("lingering", 15);

        killAndRestart();
        assertThat(System.currentTimeMillis()).as("restarted before the session expired (else see the test above)")
                .isLessThan(expiresAt);
        assertThat(exists("perch:session:{lingering}")).isTrue();

        until("the session removed from Redis once expired", () -> goneFromRedis("lingering"));
        long goneSeenAt = System.currentTimeMillis();
        System.out.printf("expiry after the restart: removal seen %d ms after the expiry time%n", goneSeenAt - expiresAt);
        assertThat(goneSeenAt).as("removed not before its expiry (disconnect + interval, as stored)")
                .isGreaterThanOrEqualTo(expiresAt);
        assertThat(keys("perch:msg:*")).as("bodies of the expired session's messages").isEmpty();
        assertThat(broker.output()).anyMatch(l -> l.contains("stored session lingering expired"));

        V5 back = v5("lingering", false, 0, new CopyOnWriteArrayList<>(), o -> { });
        assertThat(back.sessionPresent()).isFalse();
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void v3PersistentSessionKeepsItsSubscriptionAndQueueAcrossTwoKills() throws Exception {
        List<Received> got = new CopyOnWriteArrayList<>();
        V3 keeper = v3("keeper", false, got, o -> { });
        keeper.client().subscribe("keep/#", 1);
        keeper.client().disconnect();
        V5 publisher = v5("keep-pub", true, 0, new CopyOnWriteArrayList<>(), o -> { });

        for (int kill = 1; kill <= 2; kill++) {
            publisher.client().publish("keep/" + kill, ("queued " + kill).getBytes(StandardCharsets.UTF_8), 1, false);
            killAndRestart();
            keeper = v3("keeper", false, got, o -> { });
            assertThat(keeper.sessionPresent()).as("session present after kill %d", kill).isTrue();
            int n = kill;
            until("the message queued before kill " + kill, () -> got.size() >= n);
            keeper.client().disconnect();
            // Its PUBACK stored before the next kill: else a resend would be QoS 1's right, not a fault.
            until("the keeper's acknowledgement stored", () -> (Long) redis("HLEN", "perch:out:{keeper}") == 0);
            publisher = v5("keep-pub", true, 0, new CopyOnWriteArrayList<>(), o -> { });
        }
        assertThat(got).extracting(Received::text).containsExactly("queued 1", "queued 2");
    }

    /**
     * A v5 session with {@code expirySeconds} that subscribed, disconnected, and has three QoS 1
     * messages queued in Redis (each acknowledged to its publisher only once stored). Returns
     * when it expires (Unix ms, from {@code perch:expiry}).
     */
    private long expiringSessionWithQueuedMessages(String id, long expirySeconds) throws Exception {
        V5 publisher = v5(id + "-pub", true, 0, new CopyOnWriteArrayList<>(), o -> { });
        V5 subscriber = v5(id, true, expirySeconds, new CopyOnWriteArrayList<>(), o -> { });
        subscriber.client().subscribe("exp/" + id + "/#", 1);
        subscriber.client().disconnect();
        for (int i = 1; i <= 3; i++) {
            publisher.client().publish("exp/" + id + "/" + i, ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        assertThat(redis("HLEN", "perch:out:{" + id + "}")).as("queued for the session").isEqualTo(3L);
        assertThat(keys("perch:msg:*")).as("message bodies").hasSize(3);
        String score = zscore("perch:expiry", id);
        assertThat(score).as("in the expiry index").isNotNull();
        return (long) Double.parseDouble(score);
    }

    /** Every key of the session gone, it is in none of the indexes. */
    private boolean goneFromRedis(String id) {
        String tag = "{" + id + "}";
        return !exists("perch:session:" + tag) && !exists("perch:subs:" + tag) && !exists("perch:out:" + tag)
                && !exists("perch:rel:" + tag) && zscore("perch:sessions", id) == null
                && zscore("perch:expiry", id) == null && zscore("perch:wills", id) == null;
    }

    // ---- the broker -------------------------------------------------------------------------

    private void killAndRestart() throws Exception {
        broker.kill9();
        broker.restart();
    }

    /** A console line's time of day: lines start with "yyyy-MM-dd HH:mm:ss.SSS". */
    private static final java.util.regex.Pattern TIME = java.util.regex.Pattern.compile("^\\d{4}-\\d{2}-\\d{2} (\\d{2}:\\d{2}:\\d{2}\\.\\d{3})");

    /** When the current start first logged a line containing {@code text} (its clock, time of day). */
    private LocalTime logged(String text) {
        return broker.output().stream().filter(l -> l.contains(text)).findFirst()
                .map(l -> {
                    java.util.regex.Matcher m = TIME.matcher(l);
                    if (!m.find()) {
                        throw new AssertionError("a console line without its date and time: " + l);
                    }
                    return LocalTime.parse(m.group(1));
                })
                .orElseThrow(() -> new AssertionError("the broker never logged \"" + text + "\":\n" + broker.tail(40)));
    }

    private static long millisBetween(LocalTime from, LocalTime to) {
        long ms = Duration.between(from, to).toMillis();
        return ms < -43_200_000 ? ms + 86_400_000 : ms; // across midnight
    }

    private void until(String what, Callable<Boolean> done) {
        try {
            await(what).atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(done);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "\nredis keys: " + keys("*") + ", perch:wills "
                    + redis("ZRANGE", "perch:wills", "0", "-1", "WITHSCORES") + "\nbroker output (tail):\n"
                    + broker.tail(40), e);
        }
    }

    // ---- Redis, read directly ---------------------------------------------------------------

    private Object redis(String... command) {
        return RespProbe.command(redis.port(), command);
    }

    private boolean exists(String key) {
        return (Long) redis("EXISTS", key) == 1;
    }

    private boolean hexists(String key, String field) {
        return (Long) redis("HEXISTS", key, field) == 1;
    }

    private String zscore(String key, String member) {
        return (String) redis("ZSCORE", key, member);
    }

    @SuppressWarnings("unchecked")
    private List<String> keys(String pattern) {
        return (List<String>) redis("KEYS", pattern);
    }

    // ---- clients ----------------------------------------------------------------------------

    record Received(String topic, String text, long atNanos) {
    }

    record V5(MqttClient client, boolean sessionPresent) {
    }

    record V3(org.eclipse.paho.client.mqttv3.MqttClient client, boolean sessionPresent) {
    }

    /** The persistent watcher of will/#: subscribes on its first connection, resumes its session after. */
    private void observer(List<Received> seen, boolean first) throws Exception {
        V5 o = v5("observer", first, 300, seen, c -> { });
        if (first) {
            o.client().subscribe("will/#", 1);
            until("the observer's subscription stored", () -> hexists("perch:subs:{observer}", "will/#"));
        } else {
            assertThat(o.sessionPresent()).as("the observer's session after the restart").isTrue();
        }
    }

    private static Consumer<MqttConnectionOptions> will(String topic, String text, long delaySeconds) {
        return o -> {
            MqttMessage m = new MqttMessage(text.getBytes(StandardCharsets.UTF_8));
            m.setQos(1);
            o.setWill(topic, m);
            MqttProperties p = new MqttProperties();
            p.setWillDelayInterval(delaySeconds);
            o.setWillMessageProperties(p);
        };
    }

    /** A Paho MQTT 5 client connected to the broker's current port; what it receives goes to {@code inbox}. */
    private V5 v5(String id, boolean cleanStart, long expirySeconds, List<Received> inbox,
                  Consumer<MqttConnectionOptions> tune) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + broker.port(), id, new MemoryPersistence());
        processes.add(() -> {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000, false);
            }
            c.close(true);
        });
        c.setTimeToWait(WAIT.toMillis());
        c.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                inbox.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8), System.nanoTime()));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(cleanStart);
        o.setSessionExpiryInterval(expirySeconds);
        o.setKeepAliveInterval(60);
        o.setAutomaticReconnect(false);
        tune.accept(o);
        return new V5(c, c.connectWithResult(o).getSessionPresent());
    }

    /** A Paho MQTT 3.1.1 client connected to the broker's current port. */
    private V3 v3(String id, boolean cleanSession, List<Received> inbox, Consumer<MqttConnectOptions> tune)
            throws org.eclipse.paho.client.mqttv3.MqttException {
        var c = new org.eclipse.paho.client.mqttv3.MqttClient("tcp://127.0.0.1:" + broker.port(), id,
                new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        processes.add(() -> {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000);
            }
            c.close(true);
        });
        c.setTimeToWait(WAIT.toMillis());
        c.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                inbox.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8), System.nanoTime()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(cleanSession);
        o.setKeepAliveInterval(60);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        tune.accept(o);
        return new V3(c, c.connectWithResult(o).getSessionPresent());
    }
}
