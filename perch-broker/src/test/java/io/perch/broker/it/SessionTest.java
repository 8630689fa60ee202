package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sessions: clean vs persistent, v5 expiry, resumption with queued messages, takeover, and the
 * resend of unacknowledged messages (DUP) and releases on reconnect.
 */
class SessionTest extends BrokerTest {

    private static boolean present(MqttConnAckMessage ack) {
        return ack.variableHeader().isSessionPresent();
    }

    @Test
    void v3PersistentSessionKeepsSubscriptionsAndQueuesMessagesWhileOffline() throws Exception {
        start();
        Inbox inbox = new Inbox();
        MqttClient sub = clients.v3Client("p3", inbox);
        assertThat(sub.connectWithResult(Clients.v3Options(false)).getSessionPresent()).isFalse();
        sub.subscribe("s/#", 2);
        sub.disconnect();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "s/0", "zero", 0);
        Clients.publish(pub, "s/1", "one", 1);
        Clients.publish(pub, "s/2", "two", 2);
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client("p3").orElseThrow().mqueueLen() == 3);

        assertThat(sub.connectWithResult(Clients.v3Options(false)).getSessionPresent()).isTrue();
        assertThat(inbox.await(3)).extracting(Inbox.Msg::toString).containsExactly("s/0:zero:q0", "s/1:one:q1", "s/2:two:q2");

        // Subscriptions survived without a new SUBSCRIBE.
        Clients.publish(pub, "s/live", "live", 1);
        inbox.awaitText("live");
        sub.disconnect();

        // A clean session discards the old one, and ends with the connection.
        assertThat(sub.connectWithResult(Clients.v3Options(true)).getSessionPresent()).isFalse();
        sub.disconnect();
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client("p3").isEmpty());
        assertThat(sub.connectWithResult(Clients.v3Options(false)).getSessionPresent()).isFalse();
    }

    @Test
    void v5SessionResumesWithQueuedMessagesAndExpiresAfterItsInterval() {
        start();
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hive("s5", inbox);
        Mqtt5ConnAck first = sub.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        assertThat(first.isSessionPresent()).isFalse();
        sub.subscribeWith().topicFilter("q/+").qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "q/1", "one", 1);
        Clients.publish(pub, "q/2", "two", 2);

        Mqtt5ConnAck again = sub.connectWith().cleanStart(false).sessionExpiryInterval(1).send();
        assertThat(again.isSessionPresent()).isTrue();
        assertThat(inbox.await(2)).extracting(Inbox.Msg::toString).containsExactly("q/1:one:q1", "q/2:two:q2");
        sub.disconnect();

        // With a 1 s expiry the session is gone soon after the disconnect...
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(4)).until(() -> broker.broker().service().client("s5").isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(700));
        assertThat(broker.broker().service().stats().sessionsExpired.sum()).isEqualTo(1);
        // ...and a reconnect finds no session.
        assertThat(sub.connectWith().cleanStart(false).sessionExpiryInterval(1).send().isSessionPresent()).isFalse();
    }

    @Test
    void v5SessionWithZeroExpiryEndsWithTheConnection() {
        start();
        Mqtt5BlockingClient c = clients.hive("zero", null);
        c.connectWith().cleanStart(false).send(); // no Session Expiry Interval property = 0
        assertThat(broker.broker().service().client("zero")).isPresent();
        c.disconnect();
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client("zero").isEmpty());
        assertThat(c.connectWith().cleanStart(false).send().isSessionPresent()).isFalse();
    }

    @Test
    void v3TakeoverClosesTheOldConnectionAndKeepsTheSession() throws Exception {
        start();
        Inbox oldInbox = new Inbox();
        MqttClient old = clients.v3Client("twin", oldInbox);
        old.connect(Clients.v3Options(false));
        old.subscribe("t/#", 1);

        Inbox newInbox = new Inbox();
        MqttClient taker = clients.v3Client("twin", newInbox);
        assertThat(taker.connectWithResult(Clients.v3Options(false)).getSessionPresent()).isTrue();
        await().atMost(Inbox.WAIT).until(() -> oldInbox.lost() != null);
        assertThat(broker.broker().service().stats().sessionsTakenOver.sum()).isEqualTo(1);

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "t/x", "after", 1);
        newInbox.awaitText("after");
        assertThat(oldInbox.size()).isZero();
        assertThat(taker.isConnected()).isTrue();
    }

    @Test
    void v5TakeoverSendsDisconnectSessionTakenOver() {
        start();
        RawClient old = clients.raw();
        assertThat(present(old.connect(RawClient.v5("twin5", true, 60)
                .properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 60)).build()))).isFalse();
        old.subscribe(1, "t5/#", 1);

        Inbox inbox = new Inbox();
        Mqtt5BlockingClient taker = clients.hive("twin5", inbox);
        assertThat(taker.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent()).isTrue();

        MqttMessage d = old.expect(MqttMessageType.DISCONNECT);
        assertThat(RawClient.reasonCode(d)).isEqualTo(0x8E);
        assertThat(old.awaitClosed(Duration.ofSeconds(3))).isTrue();

        Clients.publish(clients.hiveConnected("pub", null), "t5/x", "after", 1);
        inbox.awaitText("after");
    }

    @Test
    void v3UnacknowledgedMessagesAreResentWithDupAndReleasesAgainOnReconnect() {
        resendOnReconnect(RawClient.v3("inflight3", false, 60).build());
    }

    @Test
    void v5UnacknowledgedMessagesAreResentWithDupAndReleasesAgainOnReconnect() {
        resendOnReconnect(RawClient.v5("inflight5", false, 60)
                .properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 60)).build());
    }

    private void resendOnReconnect(MqttConnectMessage connect) {
        start();
        String id = connect.payload().clientIdentifier();
        RawClient sub = clients.raw();
        assertThat(present(sub.connect(connect))).isFalse();
        sub.subscribe(1, "r/#", 2);

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "r/1", "one", 1);
        Clients.publish(pub, "r/2", "two", 2);
        Clients.publish(pub, "r/3", "three", 2);
        MqttPublishMessage one = sub.expectPublish();
        MqttPublishMessage two = sub.expectPublish();
        MqttPublishMessage three = sub.expectPublish();
        assertThat(RawClient.text(three)).isEqualTo("three");
        assertThat(one.fixedHeader().isDup()).isFalse();
        sub.pubrec(RawClient.packetId(three)); // "three" is received; "one" and "two" never acknowledged
        MqttMessage rel = sub.expect(MqttMessageType.PUBREL);
        assertThat(RawClient.packetId(rel)).isEqualTo(RawClient.packetId(three));
        sub.close();
        await().atMost(Inbox.WAIT).until(() -> !broker.broker().service().client(id).orElseThrow().connected());

        RawClient again = clients.raw();
        assertThat(present(again.connect(connect))).isTrue();
        MqttPublishMessage one2 = again.expectPublish();
        MqttPublishMessage two2 = again.expectPublish();
        MqttMessage rel2 = again.expect(MqttMessageType.PUBREL);
        assertThat(RawClient.text(one2)).isEqualTo("one");
        assertThat(one2.fixedHeader().isDup()).isTrue();
        assertThat(RawClient.packetId(one2)).isEqualTo(RawClient.packetId(one));
        assertThat(RawClient.text(two2)).isEqualTo("two");
        assertThat(two2.fixedHeader().isDup()).isTrue();
        assertThat(two2.fixedHeader().qosLevel().value()).isEqualTo(2);
        assertThat(RawClient.packetId(two2)).isEqualTo(RawClient.packetId(two));
        assertThat(RawClient.packetId(rel2)).isEqualTo(RawClient.packetId(three));

        again.puback(RawClient.packetId(one2));
        again.pubrec(RawClient.packetId(two2));
        assertThat(RawClient.packetId(again.expect(MqttMessageType.PUBREL))).isEqualTo(RawClient.packetId(two2));
        again.pubcomp(RawClient.packetId(two2));
        again.pubcomp(RawClient.packetId(rel2));
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client(id).orElseThrow().inflight() == 0);
    }

    @Test
    void v3UnacknowledgedMessageIsResentOnALiveConnectionAfterRetryInterval() {
        start(b -> b.retryInterval(Duration.ofMillis(500)));
        RawClient sub = clients.raw();
        sub.connect(RawClient.v3("retry3", true, 60).build());
        sub.subscribe(1, "retry", 1);
        Clients.publish(clients.hiveConnected("pub", null), "retry", "again", 1);
        MqttPublishMessage first = sub.expectPublish();
        assertThat(first.fixedHeader().isDup()).isFalse();
        MqttPublishMessage resent = sub.expectPublish();
        assertThat(resent.fixedHeader().isDup()).isTrue();
        assertThat(RawClient.packetId(resent)).isEqualTo(RawClient.packetId(first));
        assertThat(RawClient.text(resent)).isEqualTo("again");
        assertThat(broker.broker().service().stats().messagesRetried.sum()).isGreaterThanOrEqualTo(1);
    }

    /** retry_interval 0: an unacknowledged message is resent only on reconnect, never on the live connection. */
    @Test
    void v3WithRetryIntervalZeroNothingIsResentOnALiveConnection() {
        start(b -> b.retryInterval(Duration.ZERO).awaitRelTimeout(Duration.ofSeconds(2))); // the periodic work runs every second
        RawClient sub = clients.raw();
        sub.connect(RawClient.v3("noretry3", true, 60).build());
        sub.subscribe(1, "noretry", 1);
        Clients.publish(clients.hiveConnected("pub", null), "noretry", "once", 1);
        assertThat(sub.expectPublish().fixedHeader().isDup()).isFalse();

        assertThat(sub.poll(Duration.ofMillis(2500))).as("nothing resent over two periods").isNull();
        assertThat(broker.broker().service().stats().messagesRetried.sum()).isZero();
    }

    @Test
    void v5DisconnectMayShortenTheExpiryButNotSetItAfterZero() {
        start();
        RawClient shortened = clients.raw();
        shortened.connect(RawClient.v5("shorten", true, 60)
                .properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 60)).build());
        shortened.disconnect(0, RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 0));
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client("shorten").isEmpty());

        RawClient illegal = clients.raw();
        illegal.connect(RawClient.v5("illegal", true, 60).build()); // expiry 0
        illegal.disconnect(0, RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 60));
        assertThat(RawClient.reasonCode(illegal.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x82); // MQTT-3.14.2-2
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client("illegal").isEmpty());
    }

    @Test
    void sessionExpiryIsCappedByTheBrokerAndTheCapIsAnnounced() {
        start(b -> b.sessionExpiryInterval(Duration.ofSeconds(30)));
        Mqtt5BlockingClient c = clients.hive("capped", null);
        var ack = c.connectWith().sessionExpiryInterval(3600).send();
        assertThat(ack.getSessionExpiryInterval()).hasValue(30);
        assertThat(broker.broker().service().client("capped").orElseThrow().expiryIntervalSeconds()).isEqualTo(30);
    }

    @Test
    void takeoverRacingTheOldConnectionsOwnCloseNeverLosesTheResumedSession() {
        java.util.concurrent.atomic.AtomicInteger disconnects = new java.util.concurrent.atomic.AtomicInteger();
        start(b -> { }, br -> br.hooks().register(io.perch.broker.hook.HookPoints.CLIENT_DISCONNECTED, 1, "count",
                e -> {
                    disconnects.incrementAndGet();
                    return java.util.concurrent.CompletableFuture.completedFuture(io.perch.broker.hook.HookResult.ok());
                }));
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        int resumed = 0;
        for (int i = 0; i < 40; i++) {
            // v5, clean start 0, no session expiry: the session lives exactly as long as a connection holds it.
            RawClient a = clients.raw();
            a.connect(RawClient.v5("racer", false, 60).build());
            a.subscribe(1, "race", 0);
            int before = disconnects.get();
            RawClient b = clients.raw();
            b.send(RawClient.v5("racer", false, 60).build());
            a.close(); // the old connection goes by itself just as the new one takes over
            MqttConnAckMessage ack = b.expect(MqttMessageType.CONNACK);
            await().atMost(Inbox.WAIT).until(() -> disconnects.get() == before + 1); // the old one is fully closed
            if (present(ack)) {
                resumed++;
                assertThat(broker.broker().service().subscriptions("racer")).as("round %d", i).containsKey("race");
                Clients.publish(pub, "race", "round" + i, 0);
                assertThat(RawClient.text(b.expectPublish())).isEqualTo("round" + i);
            }
            b.disconnect(0, io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
            await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client("racer").isEmpty());
        }
        assertThat(resumed).as("rounds where the takeover won").isPositive();
    }

    @Test
    void manyMessagesQueuedWhileOfflineArriveInOrderOnResume() throws Exception {
        start(b -> b.maxInflight(8));
        Inbox inbox = new Inbox();
        MqttClient sub = clients.v3Client("backlog", inbox);
        sub.connect(Clients.v3Options(false));
        sub.subscribe("b", 1);
        sub.disconnect();
        var pub = clients.hiveConnected("pub", null).toAsync();
        java.util.List<java.util.concurrent.CompletableFuture<?>> acks = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            acks.add(pub.publishWith().topic("b").qos(MqttQos.AT_LEAST_ONCE).payload(String.valueOf(i).getBytes()).send());
        }
        java.util.concurrent.CompletableFuture.allOf(acks.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        assertThat(broker.broker().service().client("backlog").orElseThrow().mqueueLen()).isEqualTo(300);
        sub.connect(Clients.v3Options(false));
        await().atMost(Inbox.WAIT).until(() -> inbox.size() >= 300);
        assertThat(inbox.texts()).isEqualTo(java.util.stream.IntStream.range(0, 300).mapToObj(String::valueOf).toList());
    }

    @Test
    void resendOnReconnectRespectsTheNewReceiveMaximum() {
        start();
        RawClient first = clients.raw();
        first.connect(RawClient.v5("rm", false, 60).properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 60,
                MqttPropertyType.RECEIVE_MAXIMUM, 10)).build());
        first.subscribe(1, "rm", 1);
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        for (int i = 0; i < 6; i++) {
            Clients.publish(pub, "rm", "m" + i, 1);
        }
        for (int i = 0; i < 6; i++) {
            first.expectPublish(); // six in flight, none acknowledged
        }
        first.close();
        await().atMost(Inbox.WAIT).until(() -> !broker.broker().service().client("rm").orElseThrow().connected());

        RawClient again = clients.raw();
        again.connect(RawClient.v5("rm", false, 60).properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 60,
                MqttPropertyType.RECEIVE_MAXIMUM, 2)).build());
        MqttPublishMessage a = again.expectPublish();
        MqttPublishMessage b = again.expectPublish();
        assertThat(a.fixedHeader().isDup()).isTrue();
        assertThat(RawClient.text(a)).isEqualTo("m0");
        assertThat(RawClient.text(b)).isEqualTo("m1");
        // The send quota is 2 (MQTT 5 section 4.9): the other four wait for acknowledgements...
        assertThat(again.ping()).isEmpty();
        // ...and then go out one per acknowledgement, with their original packet ids.
        again.puback(RawClient.packetId(a));
        MqttPublishMessage c = again.expectPublish();
        assertThat(RawClient.text(c)).isEqualTo("m2");
        assertThat(c.fixedHeader().isDup()).isTrue();
        assertThat(again.ping()).isEmpty();
        for (MqttPublishMessage m : java.util.List.of(b, c)) {
            again.puback(RawClient.packetId(m));
        }
        java.util.List<String> rest = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MqttPublishMessage m = again.expectPublish();
            rest.add(RawClient.text(m));
            again.puback(RawClient.packetId(m));
        }
        assertThat(rest).containsExactly("m3", "m4", "m5");
        await().atMost(Inbox.WAIT).until(() -> broker.broker().service().client("rm").orElseThrow().inflight() == 0);
    }
}
