package io.perch.redis.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.perch.broker.testkit.Inbox;
import io.perch.redis.testkit.PerchWithRedis;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MQTT 5 clients, the real engine and a real Redis, with the shipped rules: messages that come
 * back from Redis after a broker restart keep their User Properties in order and are sent with
 * what is left of their Message Expiry Interval, and are never sent once it has passed.
 */
class ExpiryAndPropertiesThroughRedisTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Mqtt5UserProperties PROPS = Mqtt5UserProperties.builder()
            .add("b", "2").add("a", "1").add("b", "3").build();
    private final TestRedis redis = TestRedis.start();
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();
    private PerchWithRedis perch;

    private void startPerch() {
        perch = PerchWithRedis.start(redis);
    }

    /** A new broker on the same Redis: whatever is delivered now can only come from Redis. */
    private void restartPerch() {
        disconnectAll();
        perch.close();
        startPerch();
    }

    private Mqtt5BlockingClient client(String id, Inbox inbox) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1")
                .serverPort(perch.fixture.tcpPort()).buildBlocking();
        if (inbox != null) {
            c.toAsync().publishes(MqttGlobalPublishFilter.ALL, inbox.hive());
        }
        clients.add(c);
        return c;
    }

    /** A publisher without Topic Aliases, so User Properties are the only properties sent. */
    private Mqtt5BlockingClient publisher() {
        Mqtt5BlockingClient c = client("publisher", null);
        c.connectWith().restrictions().sendTopicAliasMaximum(0).applyRestrictions().send();
        return c;
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String text, boolean retain, long expiry) {
        c.publishWith().topic(topic).payload(text.getBytes()).qos(MqttQos.AT_LEAST_ONCE).retain(retain)
                .messageExpiryInterval(expiry).userProperties(PROPS).send();
    }

    private static List<String> pairs(Mqtt5Publish p) {
        return p.getUserProperties().asList().stream().map(u -> u.getName() + "=" + u.getValue()).toList();
    }

    private static void waitPast(long t0, long millis) {
        await().atMost(Duration.ofMillis(millis + 2000)).until(() -> System.nanoTime() - t0 > millis * 1_000_000L);
    }

    private void disconnectAll() {
        for (Mqtt5BlockingClient c : clients) {
            try {
                if (c.getState().isConnectedOrReconnect()) {
                    c.disconnect();
                }
            } catch (RuntimeException ignored) {
                // the broker may have closed it first
            }
        }
        clients.clear();
    }

    @AfterEach
    void cleanUp() {
        disconnectAll();
        if (perch != null) {
            perch.close();
        }
        redis.close();
    }

    @Test
    void retainedCopyFromRedisKeepsItsPropertiesAndRemainingExpiryAndIsNotSentOnceExpired() {
        startPerch();
        long t0 = System.nanoTime();
        publish(publisher(), "dev/r", "retained", true, 2);
        await().atMost(WAIT).until(() -> redis.cli().exists("mqtt:retain:dev/r") == 1);
        restartPerch();

        Inbox early = new Inbox();
        Mqtt5BlockingClient sub = client("early", early);
        sub.connect();
        sub.subscribeWith().topicFilter("dev/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Inbox.Msg got = early.awaitText("retained");
        assertThat(got.retained()).isTrue();
        assertThat(pairs(got.hive())).containsExactly("b=2", "a=1", "b=3");
        assertThat(got.hive().getMessageExpiryInterval().orElseThrow()).isBetween(1L, 2L);

        waitPast(t0, 3000);
        assertNothingRetainedOn("dev/#", "late");
        restartPerch();
        assertNothingRetainedOn("dev/#", "after-restart");
    }

    /** Subscribes, then publishes a marker: everything retained would have come before it. */
    private void assertNothingRetainedOn(String filter, String id) {
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient c = client(id, inbox);
        c.connect();
        c.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = client(id + "-pub", null);
        pub.connect();
        pub.publishWith().topic("dev/marker").payload("marker".getBytes()).qos(MqttQos.AT_LEAST_ONCE).send();
        inbox.awaitText("marker");
        assertThat(inbox.texts()).containsExactly("marker");
    }

    @Test
    void queuedCopyFromRedisKeepsItsPropertiesAndIsSentWithTheRemainingExpiry() {
        startPerch();
        subscribeAndLeave("queue/p");
        publish(publisher(), "queue/p", "queued", false, 60);
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:msg:queue/p") == 1);
        restartPerch();

        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = client("queue_sub", inbox);
        sub.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
        sub.subscribeWith().topicFilter("queue/p").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5Publish p = inbox.awaitText("queued").hive();
        assertThat(pairs(p)).containsExactly("b=2", "a=1", "b=3");
        assertThat(p.getMessageExpiryInterval().orElseThrow()).isBetween(50L, 60L);
    }

    @Test
    void queuedCopyInRedisIsNotSentAfterItsExpiry() {
        startPerch();
        subscribeAndLeave("queue/e");
        Mqtt5BlockingClient pub = publisher();
        long t0 = System.nanoTime();
        publish(pub, "queue/e", "short", false, 2);
        publish(pub, "queue/e", "long", false, 60);
        await().atMost(WAIT).until(() -> redis.cli().zcard("mqtt:msg:queue/e") == 2);
        restartPerch();
        waitPast(t0, 3000);

        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = client("queue_sub", inbox);
        sub.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
        sub.subscribeWith().topicFilter("queue/e").qos(MqttQos.AT_LEAST_ONCE).send();
        // One fetch reads both: when "long" has come, "short" was read and left out.
        inbox.awaitText("long");
        assertThat(inbox.texts()).containsExactly("long");
    }

    /** A persistent queue/ subscriber that goes offline, so publishes to the topic are stored. */
    private void subscribeAndLeave(String topic) {
        Mqtt5BlockingClient sub = client("queue_sub", null);
        sub.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
    }
}
