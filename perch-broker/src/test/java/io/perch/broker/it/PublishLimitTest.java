package io.perch.broker.it;

import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * zone.external.publish_limit slows a flooding client by pausing its socket; every message
 * still arrives, in order. 30 messages at 10 per second cannot all be read in less than two
 * seconds (a lower bound only: a slow machine can never make it faster).
 */
class PublishLimitTest {
    @Test
    void floodIsSlowedDownNotDropped() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(b -> b.publishLimit(10, Duration.ofSeconds(1)))) {
            MqttClient sub = new MqttClient(broker.tcpUri(), "limit-sub", new MemoryPersistence());
            MqttClient pub = new MqttClient(broker.tcpUri(), "limit-pub", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setMaxInflight(100);
            sub.connect(o);
            pub.connect(o);
            List<String> got = new CopyOnWriteArrayList<>();
            sub.subscribe("flood", 1, (t, m) -> got.add(new String(m.getPayload())));
            long start = System.nanoTime();
            for (int i = 0; i < 30; i++) {
                pub.publish("flood", String.valueOf(i).getBytes(), 0, false);
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> got.size() == 30);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(got).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 30).mapToObj(String::valueOf).toList());
            assertThat(elapsedMs).isGreaterThanOrEqualTo(1900);
            pub.disconnect();
            sub.disconnect();
            pub.close();
            sub.close();
        }
    }
}
