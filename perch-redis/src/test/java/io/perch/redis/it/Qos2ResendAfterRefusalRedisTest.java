package io.perch.redis.it;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An MQTT 3 QoS 2 publish that Redis took but could not confirm ({@code persistence.ack =
 * replicas:1} with no replica: applied on the master, WAIT short) is refused, and its client
 * resends it under the same packet id once a replica is there. Where what the first attempt
 * wrote was lost meanwhile (as in a failover to a replica that never got it), the resend routes
 * the message again under its first id: the subscriber's copy is written again, and reaches the
 * replica, before the PUBREC, and the subscriber gets the message once, whether its session was
 * in memory or only in Redis.
 */
class Qos2ResendAfterRefusalRedisTest {
    private static final byte[] ONCE = "once".getBytes(StandardCharsets.UTF_8);
    private final TestRedis master = TestRedis.start();
    private final List<AutoCloseable> open = new ArrayList<>();
    private PerchWithRedis perch;

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (perch != null) {
            perch.close();
        }
        master.close();
    }

    private void startPerch() {
        perch = PerchWithRedis.start(master, "persistence.ack = replicas:1", "persistence.ack_timeout = 1s");
    }

    private RawClient client() {
        RawClient c = RawClient.open(perch.fixture.tcpPort());
        open.add(c);
        return c;
    }

    private void keeperSubscribesAndLeaves() {
        RawClient sub = client();
        sub.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        sub.subscribe(1, MqttProperties.NO_PROPERTIES, "kept/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.EXACTLY_ONCE));
        sub.disconnect(0, null);
        await().atMost(Inbox.WAIT).until(() -> master.cli().hexists("perch:subs:{keeper}", "kept/#"));
    }

    /** The keeper subscribes, leaves, and the broker restarts: its session is only in Redis. */
    private void keeperOnlyInRedis() {
        startPerch();
        keeperSubscribesAndLeaves();
        perch.close();
        startPerch();
    }

    /** Refused: applied on the master without a replica to confirm it; the client is disconnected. */
    private void publishRefused() {
        RawClient pub = client();
        pub.connect(RawClient.v3("pub3q2", false, 60).build());
        pub.publish("kept/c", 2, ONCE, 5, false, false, MqttProperties.NO_PROPERTIES);
        assertThat(pub.awaitClosed(Duration.ofSeconds(10))).isTrue();
    }

    /**
     * What the refused publish wrote is gone, as after a failover to a replica that never got
     * it: the subscriber's entry, the message body and the publisher's packet id.
     */
    private void loseWhatThePublishWrote() {
        assertThat(master.cli().hlen("perch:out:{keeper}")).as("applied on the master").isEqualTo(1);
        List<String> bodies = master.cli().keys("perch:msg:*");
        master.cli().del("perch:out:{keeper}", "perch:rel:{pub3q2}");
        bodies.forEach(k -> master.cli().del(k));
    }

    private TestRedis replica() {
        TestRedis replica = TestRedis.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        open.add(replica);
        await().atMost(Duration.ofSeconds(20)).until(() -> replica.cli().info("replication").contains("master_link_status:up"));
        return replica;
    }

    /**
     * As an MQTT 3 client does: reconnect and resend until the PUBREC comes. On a loaded machine
     * the new replica's first acknowledgements can miss the WAIT's time, and the broker refuses
     * the resend too.
     */
    private void resendAcknowledged() {
        RawClient[] acked = new RawClient[1];
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).until(() -> {
            RawClient again = client();
            again.connect(RawClient.v3("pub3q2", false, 60).build());
            again.publish("kept/c", 2, ONCE, 5, true, false, MqttProperties.NO_PROPERTIES);
            MqttMessage m = again.poll(Duration.ofSeconds(10));
            if (m == null || m.fixedHeader().messageType() != MqttMessageType.PUBREC) {
                assertThat(again.awaitClosed(Duration.ofSeconds(10))).as("refused again: disconnected").isTrue();
                return false;
            }
            assertThat(RawClient.packetId(m)).isEqualTo(5);
            acked[0] = again;
            return true;
        });
        RawClient again = acked[0];
        again.pubrel(5);
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBCOMP))).isEqualTo(5);
    }

    private List<String> keeperGets() {
        RawClient keeper = client();
        keeper.connect(RawClient.v5("keeper", false, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 3600)).build());
        List<String> got = new ArrayList<>();
        // A QoS 2 PUBLISH goes once its packet id is stored (WAIT included), then nothing more.
        got.add(RawClient.text(keeper.expectPublish()));
        for (MqttMessage m : keeper.ping()) {
            if (m instanceof MqttPublishMessage p) {
                got.add(RawClient.text(p));
            }
        }
        return got;
    }

    @Test
    void aSessionInMemoryHasItsCopyWrittenAgainAndGetsTheMessageOnce() {
        startPerch();
        keeperSubscribesAndLeaves();
        publishRefused();
        loseWhatThePublishWrote();
        TestRedis replica = replica();
        resendAcknowledged();

        assertThat(replica.cli().hlen("perch:out:{keeper}")).as("written again, on the replica").isEqualTo(1);
        assertThat(keeperGets()).containsExactly("once");
    }

    @Test
    void aSessionOnlyInRedisGetsTheMessageWrittenAgain() {
        keeperOnlyInRedis();
        publishRefused();
        loseWhatThePublishWrote();
        TestRedis replica = replica();
        resendAcknowledged();

        assertThat(replica.cli().hlen("perch:out:{keeper}")).as("written again, on the replica").isEqualTo(1);
        assertThat(keeperGets()).containsExactly("once");
    }

    /** Where the first write survived, the session only in Redis holds the message twice, and its load keeps one. */
    @Test
    void aSessionOnlyInRedisWhoseFirstCopySurvivedGetsTheMessageOnce() {
        keeperOnlyInRedis();
        publishRefused();
        TestRedis replica = replica();
        resendAcknowledged();

        assertThat(replica.cli().hlen("perch:out:{keeper}")).as("the first write and the second").isEqualTo(2);
        assertThat(keeperGets()).containsExactly("once");
        await().atMost(Inbox.WAIT).untilAsserted(() ->
                assertThat(master.cli().hlen("perch:out:{keeper}")).as("the load let the repeat go").isLessThanOrEqualTo(1));
    }
}
