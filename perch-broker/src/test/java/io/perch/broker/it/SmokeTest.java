package io.perch.broker.it;

import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SmokeTest {
    BrokerFixture broker;

    @BeforeEach
    void start() {
        broker = BrokerFixture.start();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void pahoV3PublishesAndReceivesAllQos() throws Exception {
        MqttClient sub = new MqttClient(broker.tcpUri(), "sub", new MemoryPersistence());
        MqttClient pub = new MqttClient(broker.tcpUri(), "pub", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        sub.connect(o);
        pub.connect(o);
        List<String> got = new CopyOnWriteArrayList<>();
        sub.subscribe("a/+", 2, (t, m) -> got.add(t + ":" + new String(m.getPayload()) + ":" + m.getQos()));
        pub.publish("a/0", "zero".getBytes(), 0, false);
        pub.publish("a/1", "one".getBytes(), 1, false);
        pub.publish("a/2", "two".getBytes(), 2, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 3);
        assertThat(got).containsExactly("a/0:zero:0", "a/1:one:1", "a/2:two:2");
        sub.disconnect();
        pub.disconnect();
        sub.close();
        pub.close();
    }
}
