package io.perch.broker.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.Broker;
import io.perch.broker.hook.HookPoint;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.ClientEvent;
import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.hook.event.DroppedEvent;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.hook.event.SessionEvent;
import io.perch.broker.hook.event.SubscribedEvent;
import io.perch.broker.hook.event.UnsubscribedEvent;
import io.perch.broker.message.MessageId;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the broker reports through hooks: client and session life cycle, subscriptions, message events. */
class HookEventsTest extends BrokerTest {
    private final List<String> events = new CopyOnWriteArrayList<>();

    private <E> void record(Broker b, HookPoint<E> point, Function<E, String> describe) {
        b.hooks().register(point, 100, "record", e -> {
            String s = describe.apply(e);
            if (s != null) {
                events.add(s);
            }
            return CompletableFuture.completedFuture(HookResult.ok());
        });
    }

    /** Waits until these events (and only these, in any order) happened since the last call. */
    private void expect(String... expected) {
        await().atMost(Inbox.WAIT).until(() -> events.containsAll(List.of(expected)));
        assertThat(events).containsExactlyInAnyOrder(expected);
        events.clear();
    }

    private void startRecordingLifeCycle() {
        start(b -> { }, br -> {
            record(br, HookPoints.SESSION_CREATED, (SessionEvent e) -> "created:" + e.client().clientId());
            record(br, HookPoints.SESSION_RESUMED, (SessionEvent e) -> "resumed:" + e.client().clientId());
            record(br, HookPoints.SESSION_DISCARDED, (SessionEvent e) -> "discarded:" + e.client().clientId());
            record(br, HookPoints.SESSION_TAKENOVER, (SessionEvent e) -> "takenover:" + e.client().clientId());
            record(br, HookPoints.SESSION_TERMINATED, (SessionEvent e) -> "terminated:" + e.client().clientId() + ":" + e.reason());
            record(br, HookPoints.CLIENT_CONNECTED, (ClientEvent e) -> "connected:" + e.client().clientId() + ":" + e.sessionPresent());
            record(br, HookPoints.CLIENT_DISCONNECTED, (DisconnectedEvent e) -> "disconnected:" + e.client().clientId() + ":" + e.reason());
        });
    }

    @Test
    void clientAndSessionLifeCycle() {
        startRecordingLifeCycle();
        RawClient a = clients.raw();
        a.connect(RawClient.v3("life", false, 60).build());
        expect("created:life", "connected:life:false");

        a.disconnect(-1, null);
        expect("disconnected:life:normal");

        RawClient b = clients.raw();
        b.connect(RawClient.v3("life", false, 60).build());
        expect("resumed:life", "connected:life:true");

        RawClient c = clients.raw();
        c.connect(RawClient.v3("life", false, 60).build());
        expect("takenover:life", "disconnected:life:takenover", "resumed:life", "connected:life:true");

        RawClient d = clients.raw();
        d.connect(RawClient.v3("life", true, 60).build()); // clean session: the old one is discarded
        expect("takenover:life", "disconnected:life:takenover", "discarded:life", "created:life", "connected:life:false");

        d.close(); // no DISCONNECT: a clean session ends with its connection
        expect("disconnected:life:closed", "terminated:life:closed");
    }

    @Test
    void sessionsEndByExpiryAndByKick() {
        startRecordingLifeCycle();
        RawClient e = clients.raw();
        e.connect(RawClient.v5("exp", true, 60).properties(RawClient.props(MqttPropertyType.SESSION_EXPIRY_INTERVAL, 1)).build());
        expect("created:exp", "connected:exp:false");
        e.close();
        expect("disconnected:exp:closed", "terminated:exp:expired");

        Mqtt5BlockingClient k = clients.hiveConnected("kicked", null);
        expect("created:kicked", "connected:kicked:false");
        assertThat(broker.broker().service().kick("kicked")).isTrue();
        expect("terminated:kicked:kicked", "disconnected:kicked:kicked");
        await().atMost(Inbox.WAIT).until(() -> !k.getState().isConnected());
    }

    @Test
    void subscribedCarriesFilterOptionsAndIsNewAndUnsubscribedFollows() {
        Map<String, SubscribedEvent> last = new ConcurrentHashMap<>();
        start(b -> { }, br -> {
            record(br, HookPoints.SESSION_SUBSCRIBED, (SubscribedEvent e) -> {
                last.put(e.filter(), e);
                return "subscribed:" + e.filter() + ":" + e.isNew();
            });
            record(br, HookPoints.SESSION_UNSUBSCRIBED, (UnsubscribedEvent e) -> "unsubscribed:" + e.filter());
        });
        RawClient c = clients.raw();
        c.connect(RawClient.v5("subs", true, 60).build());
        MqttSubscriptionOption opts = new MqttSubscriptionOption(MqttQoS.AT_LEAST_ONCE, true, true,
                MqttSubscriptionOption.RetainedHandlingPolicy.DONT_SEND_AT_SUBSCRIBE);
        c.subscribe(1, RawClient.props(MqttPropertyType.SUBSCRIPTION_IDENTIFIER, 5), "s/+", opts);
        expect("subscribed:s/+:true");
        assertThat(last.get("s/+").options()).isEqualTo(new SubscriptionOptions(1, true, true, 2, 5, null));
        assertThat(last.get("s/+").client().clientId()).isEqualTo("subs");

        c.subscribe(2, MqttProperties.NO_PROPERTIES, "s/+", MqttSubscriptionOption.onlyFromQos(MqttQoS.EXACTLY_ONCE));
        expect("subscribed:s/+:false");
        assertThat(last.get("s/+").options()).isEqualTo(new SubscriptionOptions(2, false, false, 0, 0, null));

        c.subscribe(3, "$share/grp/s/#", 1);
        expect("subscribed:s/#:true");
        assertThat(last.get("s/#").options().shareGroup()).isEqualTo("grp");

        c.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.unsubscribe().messageId(4).addTopicFilter("s/+").build());
        c.expect(MqttMessageType.UNSUBACK);
        expect("unsubscribed:s/+");
    }

    @Test
    void ackedFiresOnPubackForQos1AndOnPubrecForQos2WithTheOriginalMessage() {
        List<MessageId> published = new CopyOnWriteArrayList<>();
        List<DeliveryEvent> acked = new CopyOnWriteArrayList<>();
        start(b -> { }, br -> {
            br.hooks().register(HookPoints.MESSAGE_PUBLISH, 100, "ids", (PublishEvent e) -> {
                if (e.publisher() != null) {
                    published.add(e.message().id());
                }
                return CompletableFuture.completedFuture(HookResult.ok());
            });
            record(br, HookPoints.MESSAGE_DELIVERED, (DeliveryEvent e) -> "delivered:" + e.subscriber().clientId()
                    + ":" + e.message().topic());
            br.hooks().register(HookPoints.MESSAGE_ACKED, 100, "acked", (DeliveryEvent e) -> {
                acked.add(e);
                return CompletableFuture.completedFuture(HookResult.ok());
            });
        });
        RawClient sub = clients.raw();
        sub.connect(RawClient.v5("acker", true, 60).build());
        sub.subscribe(1, "ack/#", 2);
        Mqtt5BlockingClient pub = clients.hiveConnected("pubber", null);

        Clients.publish(pub, "ack/1", "q1", 1);
        MqttPublishMessage m1 = sub.expectPublish();
        expect("delivered:acker:ack/1");
        assertThat(acked).isEmpty(); // delivered, not yet acknowledged
        sub.puback(RawClient.packetId(m1));
        await().atMost(Inbox.WAIT).until(() -> acked.size() == 1);
        DeliveryEvent a1 = acked.get(0);
        assertThat(a1.subscriber().clientId()).isEqualTo("acker");
        assertThat(a1.message().topic()).isEqualTo("ack/1");
        assertThat(a1.message().from()).isEqualTo("pubber");
        assertThat(a1.message().id()).isEqualTo(published.get(0));

        Clients.publish(pub, "ack/2", "q2", 2);
        MqttPublishMessage m2 = sub.expectPublish();
        expect("delivered:acker:ack/2");
        sub.pubrec(RawClient.packetId(m2));
        sub.expect(MqttMessageType.PUBREL);
        await().atMost(Inbox.WAIT).until(() -> acked.size() == 2); // fired on PUBREC, no PUBCOMP sent yet
        assertThat(acked.get(1).message().id()).isEqualTo(published.get(1));
        assertThat(acked.get(1).message().topic()).isEqualTo("ack/2");
        sub.pubcomp(RawClient.packetId(m2));
        assertThat(broker.broker().service().stats().messagesAcked.sum()).isEqualTo(2);
    }

    @Test
    void droppedReportsNoSubscribersAndQueueFull() throws Exception {
        start(b -> b.maxMqueueLen(1), br -> record(br, HookPoints.MESSAGE_DROPPED, (DroppedEvent e) ->
                e.message().topic().startsWith("$SYS/") ? null : "dropped:" + e.reason() + ":" + e.clientId() + ":" + e.message().topic()));
        var sub = clients.v3Client("full", null);
        sub.connect(Clients.v3Options(false));
        sub.subscribe("f", 1);
        sub.disconnect();

        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Clients.publish(pub, "nobody/home", "x", 1);
        Clients.publish(pub, "f", "kept", 1);
        Clients.publish(pub, "f", "over", 1);
        expect("dropped:no_subscribers:null:nobody/home", "dropped:queue_full:full:f");
    }
}
