package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Message Expiry Interval of 2 s on retained and queued messages (no backend): never delivered
 * once it has passed, and delivered before that with what is left of it (MQTT-3.3.2-5/-6).
 */
class MessageExpiryTest extends BrokerTest {
    private static final long EXPIRY = 2;

    /** Waits until {@code millis} have passed since {@code t0} (System.nanoTime()). */
    private static void waitPast(long t0, long millis) {
        await().atMost(Duration.ofMillis(millis + 2000)).until(() -> System.nanoTime() - t0 > millis * 1_000_000L);
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String text, boolean retain) {
        c.publishWith().topic(topic).payload(text.getBytes()).qos(MqttQos.AT_LEAST_ONCE).retain(retain)
                .messageExpiryInterval(EXPIRY).send();
    }

    @Test
    void retainedMessageIsDeliveredWithItsRemainingIntervalThenNotAfterItExpired() {
        start();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        long t0 = System.nanoTime();
        publish(pub, "exp/r", "retained", true);

        Inbox early = new Inbox();
        clients.hiveConnected("early", early).subscribeWith().topicFilter("exp/#").send();
        Inbox.Msg got = early.awaitText("retained");
        assertThat(got.retained()).isTrue();
        assertThat(got.hive().getMessageExpiryInterval().orElseThrow()).isBetween(1L, EXPIRY);

        waitPast(t0, 3000);
        Inbox late = new Inbox();
        clients.hiveConnected("late", late).subscribeWith().topicFilter("exp/#").send();
        Clients.publish(pub, "exp/marker", "marker", 1);
        late.awaitText("marker");
        assertThat(late.texts()).containsExactly("marker");
    }

    @Test
    void queuedMessageIsDeliveredWithItsRemainingIntervalThenNotAfterItExpired() {
        start();
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hive("offline", inbox);
        sub.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter("exp/q").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        publish(pub, "exp/q", "early", false);
        sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        assertThat(inbox.awaitText("early").hive().getMessageExpiryInterval().orElseThrow()).isBetween(1L, EXPIRY);
        sub.disconnect();

        long t0 = System.nanoTime();
        publish(pub, "exp/q", "late", false);
        waitPast(t0, 3000);
        sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        Clients.publish(pub, "exp/q", "marker", 1);
        inbox.awaitText("marker");
        assertThat(inbox.texts()).containsExactly("early", "marker");
    }
}
