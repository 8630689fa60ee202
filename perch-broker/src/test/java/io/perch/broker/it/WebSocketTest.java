package io.perch.broker.it;

import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** MQTT over WebSocket: Paho v3 and v5 on ws://, mixed with TCP clients; a wrong path is refused. */
class WebSocketTest extends BrokerTest {

    @Test
    void pahoV3OverWebSocketPublishesAndSubscribes() throws Exception {
        start();
        Inbox wsInbox = new Inbox();
        MqttClient wsSub = clients.v3Client(broker.wsUri(), "ws-sub", wsInbox);
        wsSub.connect(Clients.v3Options(true));
        wsSub.subscribe("ws/#", 2);
        Inbox tcpInbox = new Inbox();
        clients.v3("tcp-sub", tcpInbox).subscribe("ws/#", 2);

        MqttClient wsPub = clients.v3Client(broker.wsUri(), "ws-pub", null);
        wsPub.connect(Clients.v3Options(true));
        wsPub.publish("ws/a", "over-ws".getBytes(), 1, false);
        wsPub.publish("ws/b", "x".repeat(100_000).getBytes(), 2, false); // larger than one frame buffer
        clients.v3("tcp-pub", null).publish("ws/c", "over-tcp".getBytes(), 0, false);

        assertThat(wsInbox.await(3)).extracting(Inbox.Msg::topic).containsExactly("ws/a", "ws/b", "ws/c");
        assertThat(wsInbox.messages().get(1).payload()).hasSize(100_000);
        assertThat(tcpInbox.await(3)).extracting(Inbox.Msg::text).contains("over-ws", "over-tcp");
        assertThat(broker.broker().service().client("ws-sub").orElseThrow().listener()).isEqualTo("ws:external");
    }

    @Test
    void pahoV5OverWebSocketPublishesAndSubscribes() throws Exception {
        start();
        Inbox inbox = new Inbox();
        var sub = clients.v5Client(broker.wsUri(), "ws5-sub", inbox);
        sub.connect(Clients.v5Options(true));
        sub.subscribe("ws5/#", 1);
        var pub = clients.v5Client(broker.wsUri(), "ws5-pub", null);
        pub.connect(Clients.v5Options(true));
        var msg = new org.eclipse.paho.mqttv5.common.MqttMessage("hello-v5".getBytes());
        msg.setQos(1);
        var props = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
        props.setContentType("text/plain");
        msg.setProperties(props);
        pub.publish("ws5/x", msg);
        Inbox.Msg got = inbox.await(1).get(0);
        assertThat(got.toString()).isEqualTo("ws5/x:hello-v5:q1");
        assertThat(got.props().getContentType()).isEqualTo("text/plain");
    }

    @Test
    void wrongPathIsRefusedAtOnce() {
        start(); // idle_timeout stays at its 15 s default: the refusal must not wait for it
        MqttClient paho = clients.v3Client("ws://127.0.0.1:" + broker.wsPort() + "/wrong", "lost", null);
        MqttConnectOptions o = Clients.v3Options(true);
        o.setConnectionTimeout(10);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> paho.connect(o)).isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));

        HttpClient http = HttpClient.newHttpClient();
        assertThatThrownBy(() -> http.newWebSocketBuilder().subprotocols("mqtt")
                .buildAsync(URI.create("ws://127.0.0.1:" + broker.wsPort() + "/wrong"), new WebSocket.Listener() { })
                .get(3, TimeUnit.SECONDS))
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(404));
        assertThat(broker.broker().service().clients()).isEmpty();
    }
}
