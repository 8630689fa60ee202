package io.perch.broker.it;

import io.perch.broker.api.BrokerService;
import io.perch.broker.api.ClientView;
import io.perch.broker.api.RouteView;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.topic.Topics;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients subscribe, unsubscribe, reconnect (clean or not) and are kicked over real sockets,
 * while publishers run and another thread subscribes and unsubscribes them through the broker
 * API as the Redis subscription channel does. When it stops, every session's subscriptions and
 * the subscription tree agree: no filter in a session without its tree entry, no tree entry
 * for a session that does not have it (or does not exist).
 */
class SubscriptionChurnTest extends BrokerTest {
    private static final int CLIENTS = 10;
    private static final List<String> FILTERS = List.of("a/#", "a/+", "b/1", "c", "$share/g/a/+", "$queue/b/1");
    private static final Duration RUN = Duration.ofSeconds(3);
    private final ExecutorService pool = Executors.newFixedThreadPool(6);
    private final List<MqttClient> paho = new ArrayList<>();
    private final List<String> unanswered = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        for (MqttClient c : paho) {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(0, 100);
                }
                c.close(true);
            } catch (MqttException ignored) {
                // already closed by a kick
            }
        }
    }

    private static String id(int i) {
        return "churn-" + i;
    }

    @Test
    void sessionsAndTheTreeAgreeAfterConcurrentChurn() throws Exception {
        start();
        BrokerService api = broker.broker().service();
        for (int i = 0; i < CLIENTS; i++) {
            MqttClient c = new MqttClient(broker.tcpUri(), id(i), new MemoryPersistence());
            c.setTimeToWait(2000); // a call cut short by a kick must not wait forever for its ack
            paho.add(c);
        }
        long until = System.nanoTime() + RUN.toNanos();
        List<Future<?>> work = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int worker = w;
            work.add(pool.submit(() -> clientWork(worker, until)));
        }
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(7);
            while (System.nanoTime() < until) { // the Redis subscription channel's calls
                String id = id(r.nextInt(CLIENTS));
                String f = FILTERS.get(r.nextInt(FILTERS.size()));
                if (r.nextBoolean()) {
                    api.subscribe(id, f, SubscriptionOptions.ofQos(1));
                } else {
                    api.unsubscribe(id, f);
                }
            }
        }));
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(11);
            while (System.nanoTime() < until) {
                api.kick(id(r.nextInt(CLIENTS)));
                sleepQuietly(20);
            }
        }));
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(13);
            while (System.nanoTime() < until) {
                String topic = List.of("a/x", "a/b/c", "b/1", "c").get(r.nextInt(4));
                api.publish(api.newMessage(topic, "p".getBytes(StandardCharsets.UTF_8), r.nextInt(2), false, "churn-pub"));
            }
        }));
        for (Future<?> f : work) {
            f.get(30, TimeUnit.SECONDS); // rethrows what a worker threw
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(treeCounts(api)).isEqualTo(sessionCounts(api)));
        assertThat(api.clients()).as("the churn left sessions to compare").isNotEmpty();
        assertThat(unanswered).as("requests a live connection never got an answer to").isEmpty();
    }

    /** Each client does random things to its own connection; a kick makes its calls fail, which is fine. */
    private void clientWork(int worker, long until) {
        SplittableRandom r = new SplittableRandom(worker);
        while (System.nanoTime() < until) {
            int i = worker + 3 * r.nextInt((CLIENTS + 2 - worker) / 3);
            if (i >= CLIENTS) {
                continue;
            }
            MqttClient c = paho.get(i);
            try {
                if (!c.isConnected()) {
                    MqttConnectOptions o = new MqttConnectOptions();
                    o.setCleanSession(r.nextBoolean());
                    o.setConnectionTimeout(5);
                    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
                    c.connect(o);
                } else {
                    switch (r.nextInt(4)) {
                        case 0, 1 -> c.subscribe(FILTERS.get(r.nextInt(FILTERS.size())), r.nextInt(3));
                        case 2 -> c.unsubscribe(FILTERS.get(r.nextInt(FILTERS.size())));
                        default -> c.disconnect(1000);
                    }
                }
            } catch (MqttException e) {
                if (e.getReasonCode() == MqttException.REASON_CODE_CLIENT_TIMEOUT && c.isConnected()) {
                    unanswered.add(id(i) + ": " + e.getMessage()); // the broker left a live connection unanswered
                }
                // otherwise kicked or taken over meanwhile: go on
            }
        }
    }

    /** Per filter, how many subscribers the sessions say it has (shared keys count toward their filter). */
    private static Map<String, Integer> sessionCounts(BrokerService api) {
        Map<String, Integer> counts = new HashMap<>();
        for (ClientView c : api.clients()) {
            for (String key : api.subscriptions(c.clientId()).keySet()) {
                counts.merge(Topics.parseSubscription(key).filter(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static Map<String, Integer> treeCounts(BrokerService api) {
        Map<String, Integer> counts = new HashMap<>();
        for (RouteView r : api.routes()) {
            counts.put(r.topic(), r.subscribers());
        }
        return counts;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms); // pacing the kicks, not waiting for a result
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
