package io.perch.broker.it;

import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * zone.external.backpressure_queue_bytes over real sockets: a subscriber that does not
 * acknowledge (window of one, manual acks) lets its queue fill past the mark, and the
 * publisher's PUBACKs stop there; once the subscriber acknowledges, its queue drains and every
 * PUBACK comes. Nothing is dropped.
 */
class BackpressureTest {
    private static final int MESSAGES = 30;
    private static final int PAYLOAD = 1000;
    private static final long MARK = 10_000;

    @Test
    void aFullSubscriberQueueHoldsThePublishersAcknowledgementsUntilItDrains() throws Exception {
        try (BrokerFixture broker = BrokerFixture.start(b -> b.maxInflight(1).maxMqueueLen(0)
                .backpressureQueueBytes(MARK).backpressureMaxWait(Duration.ofSeconds(60)))) {
            MqttClient sub = new MqttClient(broker.tcpUri(), "bp-sub", new MemoryPersistence());
            MqttConnectOptions so = new MqttConnectOptions();
            sub.setManualAcks(true);
            sub.connect(so);
            List<String> got = new CopyOnWriteArrayList<>();
            ConcurrentLinkedQueue<Integer> unacked = new ConcurrentLinkedQueue<>();
            sub.subscribe("bp", 1, (t, m) -> {
                got.add(new String(m.getPayload(), 0, 4));
                unacked.add(m.getId());
            });

            MqttAsyncClient pub = new MqttAsyncClient(broker.tcpUri(), "bp-pub", new MemoryPersistence());
            MqttConnectOptions po = new MqttConnectOptions();
            po.setMaxInflight(100);
            pub.connect(po).waitForCompletion(10_000);
            List<IMqttDeliveryToken> tokens = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                byte[] payload = new byte[PAYLOAD];
                System.arraycopy(String.format("%04d", i).getBytes(), 0, payload, 0, 4);
                MqttMessage m = new MqttMessage(payload);
                m.setQos(1);
                tokens.add(pub.publish("bp", m));
            }

            // One in flight to the subscriber, unacknowledged; the others queue, 1,000 bytes each.
            // The 11th queued passes the mark: it and every later one wait for their PUBACK.
            await().atMost(Duration.ofSeconds(10)).until(() -> countDone(tokens) == 11);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> countDone(tokens) == 11);
            assertThat(got).hasSize(1);
            assertThat(broker.broker().service().stats().backpressureHolds.sum()).isEqualTo(1);

            // The subscriber acknowledges what it has, one at a time: the queue drains, and at half
            // the mark (5 queued) the held PUBACKs go.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (Integer id; (id = unacked.poll()) != null; ) {
                    sub.messageArrivedComplete(id, 1);
                }
                return got.size() == MESSAGES && countDone(tokens) == MESSAGES;
            });
            assertThat(got).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, MESSAGES).mapToObj(i -> String.format("%04d", i)).toList());
            for (IMqttDeliveryToken t : tokens) {
                assertThat(t.getException()).isNull();
            }
            pub.disconnect().waitForCompletion(5_000);
            pub.close();
            sub.disconnect();
            sub.close();
        }
    }

    private static long countDone(List<IMqttDeliveryToken> tokens) {
        return tokens.stream().filter(IMqttDeliveryToken::isComplete).count();
    }
}
