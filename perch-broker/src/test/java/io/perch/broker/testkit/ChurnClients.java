package io.perch.broker.testkit;

import io.perch.broker.api.BrokerService;
import io.perch.broker.api.ClientView;
import io.perch.broker.api.RouteView;
import io.perch.broker.topic.Topics;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The clients of the subscription churn tests: Paho clients that subscribe, unsubscribe,
 * reconnect (clean or not) and disconnect at random, and the check that every session's
 * subscriptions and the subscription tree agree. Each worker thread drives its own clients.
 */
public final class ChurnClients implements AutoCloseable {
    public static final int CLIENTS = 10;
    public static final List<String> FILTERS = List.of("a/#", "a/+", "b/1", "c", "$share/g/a/+", "$queue/b/1");
    public static final int WORKERS = 3;

    private final List<MqttClient> paho = new ArrayList<>();
    /** Requests a live connection never got an answer to. */
    public final List<String> unanswered = new CopyOnWriteArrayList<>();

    public ChurnClients(String uri) throws MqttException {
        for (int i = 0; i < CLIENTS; i++) {
            MqttClient c = new MqttClient(uri, id(i), new MemoryPersistence());
            c.setTimeToWait(2000); // a call cut short by a kick must not wait forever for its ack
            paho.add(c);
        }
    }

    public static String id(int i) {
        return "churn-" + i;
    }

    /** Worker {@code worker} (of {@link #WORKERS}) does random things to its clients until {@code until} (nanoTime). */
    public void work(int worker, long until) {
        SplittableRandom r = new SplittableRandom(worker);
        while (System.nanoTime() < until) {
            int i = worker + WORKERS * r.nextInt((CLIENTS + WORKERS - 1 - worker) / WORKERS);
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
    public static Map<String, Integer> sessionCounts(BrokerService api) {
        Map<String, Integer> counts = new HashMap<>();
        for (ClientView c : api.clients()) {
            for (String key : api.subscriptions(c.clientId()).keySet()) {
                counts.merge(Topics.parseSubscription(key).filter(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Per filter, how many subscribers the subscription tree has. */
    public static Map<String, Integer> treeCounts(BrokerService api) {
        Map<String, Integer> counts = new HashMap<>();
        for (RouteView r : api.routes()) {
            counts.put(r.topic(), r.subscribers());
        }
        return counts;
    }

    @Override
    public void close() {
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
}
