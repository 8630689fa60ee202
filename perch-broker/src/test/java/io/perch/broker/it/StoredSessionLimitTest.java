package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * mqtt.max_stored_sessions over real sockets: a CONNECT that would create one session too
 * many that outlives its connection is refused (v5 0x97, v3 3), one that resumes a session
 * never is, sessions that end free their place, and stored sessions a restarted broker knows
 * (dormant, not loaded) count as well.
 */
class StoredSessionLimitTest {
    private final MapPersistence store = new MapPersistence();
    private final List<AutoCloseable> open = new ArrayList<>();
    private BrokerFixture broker;

    @AfterEach
    void stop() throws Exception {
        closeClients();
        if (broker != null) {
            broker.close();
        }
    }

    private void start(int maxStoredSessions) {
        broker = BrokerFixture.start(b -> b.maxStoredSessions(maxStoredSessions), br -> { }, store);
    }

    private void closeClients() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }

    private BrokerStats stats() {
        return broker.broker().service().stats();
    }

    private RawClient client() {
        RawClient c = RawClient.open(broker.tcpPort());
        open.add(c);
        return c;
    }

    /** A v5 CONNECT with this Session Expiry Interval; returns the CONNACK and the client. */
    private MqttConnAckMessage v5(String id, boolean cleanStart, int expiry) {
        return client().connect(RawClient.v5(id, cleanStart, 60)
                .properties(RawClient.props(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, expiry)).build());
    }

    private static int code(MqttConnAckMessage ack) {
        return ack.variableHeader().connectReturnCode().byteValue() & 0xFF;
    }

    private static boolean present(MqttConnAckMessage ack) {
        return ack.variableHeader().isSessionPresent();
    }

    @Test
    void aNewPersistentSessionPastTheLimitIsRefusedAndAResumedOneNeverIs() throws Exception {
        start(2);
        assertThat(code(v5("a", false, 3600))).isZero();
        assertThat(code(v5("b", false, 3600))).isZero();

        assertThat(code(v5("c", false, 3600))).as("v5: quota exceeded").isEqualTo(0x97);
        assertThat(code(client().connect(RawClient.v3("c", false, 60).build()))).as("v3: server unavailable")
                .isEqualTo(3);
        assertThat(code(v5("clean", true, 0))).as("a session that ends with its connection is not counted").isZero();
        assertThat(code(client().connect(RawClient.v3("clean3", true, 60).build()))).isZero();

        MqttConnAckMessage resumed = v5("a", false, 3600); // takes over the live session
        assertThat(code(resumed)).isZero();
        assertThat(present(resumed)).isTrue();
        assertThat(stats().sessionsRefusedStoredLimit.sum()).isEqualTo(2);
        assertThat(stats().connectRefused.sum()).isEqualTo(2);
        assertThat(stats().gauges().storedSessions()).as("the gauge operators see").isEqualTo(2);

        // A clean start with expiry 0 ends a's session: its place is free for c.
        assertThat(code(v5("a", true, 0))).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> code(v5("c", false, 3600)) == 0);
        assertThat(code(v5("d", false, 3600))).isEqualTo(0x97);
    }

    @Test
    void storedSessionsAfterARestartCountAndResumeEvenPastASmallerLimit() throws Exception {
        start(0);
        for (String id : List.of("a", "b", "c")) {
            assertThat(code(v5(id, false, 3600))).isZero();
        }
        closeClients();
        await().atMost(Duration.ofSeconds(5)).until(() -> store.restore().toCompletableFuture().join().size() == 3);
        broker.close();

        start(2); // three stored sessions, dormant: already over the new limit
        assertThat(code(v5("new", false, 3600))).isEqualTo(0x97);
        for (String id : List.of("a", "b", "c")) {
            MqttConnAckMessage ack = v5(id, false, 3600);
            assertThat(code(ack)).as(id + " resumes").isZero();
            assertThat(present(ack)).isTrue();
        }
        assertThat(code(v5("new", false, 3600))).isEqualTo(0x97);
        // Ending two of them (clean start, expiry 0) brings the count under the limit.
        assertThat(code(v5("a", true, 0))).isZero();
        assertThat(code(v5("b", true, 0))).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> code(v5("new", false, 3600)) == 0);
        assertThat(stats().sessionsRefusedStoredLimit.sum()).isGreaterThanOrEqualTo(2);
    }
}
