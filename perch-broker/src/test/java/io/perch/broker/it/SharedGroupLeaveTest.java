package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.perch.broker.Broker;
import io.perch.broker.hook.HookPoint;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.hook.event.DroppedEvent;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The last member of a share group leaves while holding a message it never acknowledged: its
 * connection must close cleanly (the disconnect reported to hooks, which is what records it in
 * Redis) and the message must be kept for a session that lives on, or counted as dropped when
 * nobody is left to take it.
 */
class SharedGroupLeaveTest extends BrokerTest {
    private final List<String> events = new CopyOnWriteArrayList<>();

    private <E> void record(Broker b, HookPoint<E> point, Function<E, String> describe) {
        b.hooks().register(point, 100, "record", e -> {
            events.add(describe.apply(e));
            return CompletableFuture.completedFuture(HookResult.ok());
        });
    }

    private void startRecording() {
        start(b -> { }, br -> {
            record(br, HookPoints.CLIENT_DISCONNECTED, (DisconnectedEvent e) -> "disconnected:" + e.client().clientId());
            record(br, HookPoints.MESSAGE_DROPPED, (DroppedEvent e) -> "dropped:" + e.message().topic() + ":" + e.reason());
        });
    }

    /** A raw member that takes one QoS 1 message of the group and never acknowledges it. */
    private RawClient memberHolding(String clientId, boolean clean, String message) {
        RawClient member = clients.raw();
        member.connect(RawClient.v3(clientId, clean, 60).build());
        member.subscribe(1, "$share/g/orders", 1);
        Mqtt5BlockingClient pub = clients.hiveConnected("pub-" + clientId, null);
        Clients.publish(pub, "orders", message, 1);
        MqttPublishMessage held = member.expectPublish();
        assertThat(RawClient.text(held)).isEqualTo(message);
        return member;
    }

    @Test
    void lastCleanMemberLeavingWithAnUnackedMessageClosesCleanlyAndCountsTheDrop() {
        startRecording();
        RawClient member = memberHolding("last", true, "o1");

        member.close();

        await().atMost(Inbox.WAIT).until(() -> events.contains("disconnected:last"));
        await().atMost(Inbox.WAIT).until(() -> events.contains("dropped:orders:no_subscribers"));
        assertThat(broker.broker().service().client("last")).isEmpty();
        // The broker goes on serving the group's next member.
        Inbox next = new Inbox();
        clients.hiveConnected("next", next).subscribeWith().topicFilter("$share/g/orders").qos(MqttQos.AT_LEAST_ONCE).send();
        Clients.publish(clients.hiveConnected("pub2", null), "orders", "o2", 1);
        assertThat(next.await(1)).extracting(Inbox.Msg::text).containsExactly("o2");
    }

    @Test
    void memberThatUnsubscribedThenLeftKeepsTheMessageInItsPersistentSession() {
        startRecording();
        RawClient member = memberHolding("keeper", false, "o1");
        member.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.unsubscribe().messageId(2)
                .addTopicFilter("$share/g/orders").build());
        member.expect(io.netty.handler.codec.mqtt.MqttMessageType.UNSUBACK);

        member.close(); // the group has no member left at all now

        await().atMost(Inbox.WAIT).until(() -> events.contains("disconnected:keeper"));
        RawClient again = clients.raw();
        assertThat(again.connect(RawClient.v3("keeper", false, 60).build()).variableHeader().isSessionPresent()).isTrue();
        assertThat(RawClient.text(again.expectPublish())).isEqualTo("o1");
        assertThat(events).noneMatch(e -> e.startsWith("dropped:orders"));
    }

    @Test
    void persistentLastMemberGetsItsUnackedMessageAgainOnReconnect() {
        startRecording();
        RawClient member = memberHolding("durable", false, "o1");

        member.close();

        await().atMost(Inbox.WAIT).until(() -> events.contains("disconnected:durable"));
        RawClient again = clients.raw();
        assertThat(again.connect(RawClient.v3("durable", false, 60).build()).variableHeader().isSessionPresent()).isTrue();
        assertThat(RawClient.text(again.expectPublish())).isEqualTo("o1");
    }
}
