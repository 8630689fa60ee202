package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.perch.broker.hook.HookCallback;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.AuthenticateEvent;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.message.Message;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The hook chain: ordering, stopping, rewriting and dropping, async completion, authentication and ACL. */
class HooksTest extends BrokerTest {

    private static <E> HookCallback<E> ok(Runnable r) {
        return e -> {
            r.run();
            return CompletableFuture.completedFuture(HookResult.ok());
        };
    }

    @Test
    void callbacksRunByPriorityThenRegistrationOrder() {
        List<String> order = new CopyOnWriteArrayList<>();
        start(b -> { }, br -> {
            br.hooks().register(HookPoints.CLIENT_CONNECTED, 30, "c", ok(() -> order.add("c")));
            br.hooks().register(HookPoints.CLIENT_CONNECTED, 10, "a", ok(() -> order.add("a")));
            br.hooks().register(HookPoints.CLIENT_CONNECTED, 20, "b1", ok(() -> order.add("b1")));
            br.hooks().register(HookPoints.CLIENT_CONNECTED, 20, "b2", ok(() -> order.add("b2")));
        });
        clients.hiveConnected("one", null);
        await().atMost(Inbox.WAIT).until(() -> order.size() == 4);
        assertThat(order).containsExactly("a", "b1", "b2", "c");
        assertThat(broker.broker().hooks().callbackNames(HookPoints.CLIENT_CONNECTED)).contains("10:a", "20:b1", "20:b2", "30:c");
    }

    @Test
    void stopEndsTheChainWithTheStoppingCallbacksDecision() {
        List<String> ran = new CopyOnWriteArrayList<>();
        start(b -> b.allowAnonymous(false), br -> {
            br.hooks().register(HookPoints.CLIENT_AUTHENTICATE, 10, "vip", (AuthenticateEvent e) -> {
                ran.add("vip");
                return CompletableFuture.completedFuture("vip".equals(e.client().username())
                        ? HookResult.stop(e.decide(AuthenticateEvent.Decision.ALLOW, false)) : HookResult.ok());
            });
            br.hooks().register(HookPoints.CLIENT_AUTHENTICATE, 20, "deny-all", (AuthenticateEvent e) -> {
                ran.add("deny-all");
                return CompletableFuture.completedFuture(HookResult.ok(e.decide(AuthenticateEvent.Decision.DENY_NOT_AUTHORIZED, false)));
            });
        });
        Mqtt5BlockingClient vip = clients.hive("vip", null);
        vip.connectWith().simpleAuth().username("vip").applySimpleAuth().send();
        assertThat(ran).containsExactly("vip");

        Mqtt5BlockingClient other = clients.hive("other", null);
        assertThatThrownBy(() -> other.connectWith().simpleAuth().username("nobody").applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        assertThat(ran).containsExactly("vip", "vip", "deny-all");
    }

    @Test
    void messagePublishHookRewritesAndDrops() {
        List<String> dropped = new CopyOnWriteArrayList<>();
        start(b -> { }, br -> {
            br.hooks().register(HookPoints.MESSAGE_PUBLISH, 10, "rewrite", (PublishEvent e) -> {
                Message m = e.message();
                if (m.topic().startsWith("in/")) {
                    Message out = new Message(m.id(), "out/" + m.topic().substring(3),
                            new String(m.payload(), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8),
                            m.qos(), m.retain(), m.from(), m.username(), m.timestamp(), m.expiresAt(), m.properties());
                    return CompletableFuture.completedFuture(HookResult.ok(e.withMessage(out)));
                }
                if (new String(m.payload(), StandardCharsets.UTF_8).equals("secret")) {
                    return CompletableFuture.completedFuture(HookResult.stop(e.drop()));
                }
                return CompletableFuture.completedFuture(HookResult.ok());
            });
            br.hooks().register(HookPoints.MESSAGE_DROPPED, 10, "dropped",
                    (io.perch.broker.hook.event.DroppedEvent e) -> {
                        if (!e.message().topic().startsWith("$SYS/")) {
                            dropped.add(e.reason() + ":" + e.message().topic());
                        }
                        return CompletableFuture.completedFuture(HookResult.ok());
                    });
        });
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hiveConnected("sub", inbox);
        sub.subscribeWith().addSubscription().topicFilter("in/#").applySubscription()
                .addSubscription().topicFilter("out/#").applySubscription().send();
        Mqtt5BlockingClient pub = clients.hiveConnected("pub", null);
        Mqtt5PublishResult r1 = pub.publishWith().topic("in/a").payload("hello".getBytes()).qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5PublishResult r2 = pub.publishWith().topic("out/b").payload("secret".getBytes()).qos(MqttQos.AT_LEAST_ONCE).send();
        Clients.publish(pub, "out/c", "marker", 1);
        inbox.awaitText("marker");
        assertThat(inbox.messages()).extracting(Inbox.Msg::toString).containsExactly("out/a:HELLO:q1", "out/c:marker:q1");
        assertThat(r1.getError()).isEmpty();
        assertThat(r2.getError()).isEmpty(); // a dropped message is still acknowledged to its publisher
        assertThat(dropped).containsExactly("denied_by_hook:out/b");
    }

    @Test
    void asyncPublishHookDelaysTheAckButKeepsEachClientsOrder() throws Exception {
        CompletableFuture<HookResult<PublishEvent>> slowGate = new CompletableFuture<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        start(b -> { }, br -> br.hooks().register(HookPoints.MESSAGE_PUBLISH, 10, "slow", (PublishEvent e) -> {
            String text = new String(e.message().payload(), StandardCharsets.UTF_8);
            if (e.publisher() != null) { // not the broker's own $SYS messages
                seen.add(text);
            }
            return text.equals("slow") ? slowGate : CompletableFuture.completedFuture(HookResult.ok());
        }));
        Inbox inbox = new Inbox();
        clients.hiveConnected("sub", inbox).subscribeWith().topicFilter("order/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5AsyncClient pub = clients.hiveConnected("pub", null).toAsync();
        Mqtt5BlockingClient other = clients.hiveConnected("other", null);
        var stats = broker.broker().service().stats();
        long before = stats.packetsReceived.sum();

        CompletableFuture<Mqtt5PublishResult> slowAck = pub.publishWith().topic("order/1").payload("slow".getBytes())
                .qos(MqttQos.AT_LEAST_ONCE).send();
        CompletableFuture<Mqtt5PublishResult> fastAck = pub.publishWith().topic("order/2").payload("fast".getBytes())
                .qos(MqttQos.AT_LEAST_ONCE).send();
        await().atMost(Inbox.WAIT).until(() -> stats.packetsReceived.sum() >= before + 2);
        // Both PUBLISHes are in; the second waits behind the first, whose hook has not finished.
        assertThat(seen).containsExactly("slow");
        assertThat(slowAck).isNotDone();
        assertThat(fastAck).isNotDone();
        // Another client is not held up.
        Clients.publish(other, "order/3", "other", 1);
        inbox.awaitText("other");

        CompletableFuture.runAsync(() -> slowGate.complete(HookResult.ok())); // completes on another thread
        slowAck.get(5, TimeUnit.SECONDS);
        fastAck.get(5, TimeUnit.SECONDS);
        assertThat(inbox.await(3)).extracting(Inbox.Msg::text).containsExactly("other", "slow", "fast");
        assertThat(seen).containsExactly("slow", "other", "fast");
    }

    @Test
    void authenticateHookDeniesBadCredentialsV3AndV5() throws Exception {
        List<String> passwords = new CopyOnWriteArrayList<>();
        start(b -> b.allowAnonymous(false), br -> br.hooks().register(HookPoints.CLIENT_AUTHENTICATE, 10, "passwords",
                (AuthenticateEvent e) -> {
                    String pw = e.password() == null ? null : new String(e.password(), StandardCharsets.UTF_8);
                    passwords.add(e.client().username() + "/" + pw);
                    AuthenticateEvent.Decision d = "secret".equals(pw)
                            ? AuthenticateEvent.Decision.ALLOW : AuthenticateEvent.Decision.DENY_BAD_CREDENTIALS;
                    return CompletableFuture.completedFuture(HookResult.stop(e.decide(d, false)));
                }));
        MqttClient bad3 = clients.v3Client("bad3", null);
        assertThatThrownBy(() -> bad3.connect(withCredentials("alice", "wrong")))
                .isInstanceOfSatisfying(MqttException.class,
                        e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION)); // 0x04
        MqttClient good3 = clients.v3Client("good3", null);
        good3.connect(withCredentials("alice", "secret"));
        assertThat(good3.isConnected()).isTrue();

        Mqtt5BlockingClient bad5 = clients.hive("bad5", null);
        assertThatThrownBy(() -> bad5.connectWith().simpleAuth().username("bob").password("nope".getBytes()).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD)); // 0x86
        Mqtt5BlockingClient good5 = clients.hive("good5", null);
        good5.connectWith().simpleAuth().username("bob").password("secret".getBytes()).applySimpleAuth().send();
        assertThat(passwords).containsExactly("alice/wrong", "alice/secret", "bob/nope", "bob/secret");
    }

    private static org.eclipse.paho.client.mqttv3.MqttConnectOptions withCredentials(String user, String password) {
        var o = Clients.v3Options(true);
        o.setUserName(user);
        o.setPassword(password.toCharArray());
        return o;
    }

    @Test
    void aclHookDeniesPublishAndSubscribe() throws Exception {
        start(b -> { }, br -> br.hooks().register(HookPoints.CLIENT_CHECK_ACL, 10, "acl", (AclCheckEvent e) ->
                CompletableFuture.completedFuture(e.topic().startsWith("secret/")
                        ? HookResult.stop(e.decide(AclCheckEvent.Decision.DENY)) : HookResult.ok())));
        Inbox inbox = new Inbox();
        clients.hiveConnected("watcher", inbox).subscribeWith().topicFilter("#").send();
        long denied = broker.broker().service().stats().aclDenied.sum();

        RawClient v5 = clients.raw();
        v5.connect(RawClient.v5("acl5", true, 60).build());
        v5.publish("secret/x", 1, "hidden5", 3);
        assertThat(RawClient.reasonCode(v5.expect(MqttMessageType.PUBACK))).isEqualTo(0x87);
        MqttSubAckMessage ack5 = v5.subscribe(4, MqttProperties.NO_PROPERTIES,
                "secret/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE),
                "open/#", MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_LEAST_ONCE));
        assertThat(ack5.payload().reasonCodes()).containsExactly(0x87, 1);

        RawClient v3 = clients.raw();
        v3.connect(RawClient.v3("acl3", true, 60).build());
        v3.publish("secret/y", 1, "hidden3", 5);
        assertThat(RawClient.packetId(v3.expect(MqttMessageType.PUBACK))).isEqualTo(5); // v3 has no negative PUBACK
        assertThat(v3.subscribe(6, "secret/#", 1).payload().grantedQoSLevels()).containsExactly(0x80);

        v3.publish("open/z", 1, "visible", 7);
        inbox.awaitText("visible");
        assertThat(inbox.texts()).containsExactly("visible");
        assertThat(broker.broker().service().stats().aclDenied.sum() - denied).isEqualTo(4);
        assertThat(broker.broker().service().subscriptions("acl5")).containsOnlyKeys("open/#");
    }
}
