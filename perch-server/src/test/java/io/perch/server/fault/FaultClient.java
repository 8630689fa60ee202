package io.perch.server.fault;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An MQTT 3.1.1 client with a persistent session (clean session 0) that follows the broker
 * across restarts: a keeper thread reconnects the same Paho client object to whatever port
 * the broker has now. Paho's own automatic reconnect cannot be used: it retries the old
 * address. Keeping the same client object and its MemoryPersistence is what makes Paho resend
 * its unacknowledged QoS 1/2 PUBLISHes (and PUBRELs) after the reconnect, as a real device would.
 * Every CONNACK's session-present flag is kept for the test to check.
 */
abstract class FaultClient implements AutoCloseable {
    private static final long CONNECT_WAIT_MS = 35_000;

    final String id;
    final Ledger ledger;
    /** Where to connect now; negative while no broker is up (a restart, or a cluster node to move to). */
    private final java.util.function.IntSupplier port;
    final MqttAsyncClient client;
    private final MqttConnectOptions options = new MqttConnectOptions();
    private final List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();
    private final Thread keeper;
    private volatile boolean running = true;

    FaultClient(String id, java.util.function.IntSupplier port, Ledger ledger, int maxInflight) throws MqttException {
        this.id = id;
        this.port = port;
        this.ledger = ledger;
        // The URI given here is never used: each connect names the current port in the options.
        this.client = new MqttAsyncClient("tcp://127.0.0.1:1", id, new MemoryPersistence());
        options.setCleanSession(false);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(30);
        // A CONNACK waits for the stored session to load; on a loaded machine that has taken
        // over 5 s, after which Paho gave up and tried again (as MQTT 3.1 unless pinned).
        options.setConnectionTimeout(30);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setMaxInflight(maxInflight);
        client.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void connectionLost(Throwable cause) {
                LockSupport.unpark(keeper); // reconnect now, not at the next check
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                // Recorded before Paho sends PUBACK / PUBCOMP: what the subscriber acknowledged, it has.
                ledger.delivered(topic, message.getPayload(), "connection " + sessionPresent.size() + " id "
                        + message.getId() + (message.isDuplicate() ? " DUP" : ""));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // The token outlives reconnects of this client object, so a message acknowledged
                // only after a resend is still named by the context it was published with.
                if (token.getUserContext() instanceof Sent s) {
                    ledger.acked(id, s.topic(), s.seq());
                }
            }
        });
        keeper = new Thread(this::keepConnected, "fault-keeper-" + id);
        keeper.setDaemon(true);
    }

    /** What a publisher passes as the user context of a PUBLISH, to know which one was acknowledged. */
    record Sent(String topic, long seq) {
    }

    void start() {
        keeper.start();
    }

    boolean connected() {
        return client.isConnected();
    }

    /** The session-present flag of each CONNACK this client got, in order. */
    List<Boolean> sessionPresent() {
        return List.copyOf(sessionPresent);
    }

    /** After each CONNACK, on the keeper thread, before its session-present flag is recorded ({@link #sessionPresent()}). */
    abstract void onConnected(boolean sessionPresent) throws MqttException;

    private void keepConnected() {
        // A connect still going when the wait below gave up (a broker slow to load the session):
        // Paho completes it in the background, and its CONNACK is handled once it has.
        IMqttToken late = null;
        while (running) {
            if (client.isConnected()) {
                if (late != null && late.isComplete() && late.getException() == null) {
                    IMqttToken t = late;
                    late = null;
                    try {
                        connected(t.getSessionPresent());
                    } catch (MqttException e) {
                        pace(100);
                    }
                    continue;
                }
                // Woken by connectionLost; the bound only makes a missed wake-up harmless.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                continue;
            }
            int now = port.getAsInt();
            if (now < 0) {
                pace(20); // the broker is restarting
                continue;
            }
            options.setServerURIs(new String[] {"tcp://127.0.0.1:" + now});
            try {
                late = null;
                IMqttToken t = client.connect(options);
                late = t;
                t.waitForCompletion(CONNECT_WAIT_MS);
                late = null;
                connected(t.getSessionPresent());
            } catch (MqttException e) {
                pace(100); // refused (old port, not up yet), dropped at once, or still going: look again
            }
        }
    }

    /** A CONNACK: the client gets ready, then its session-present flag is recorded. */
    private void connected(boolean present) throws MqttException {
        try {
            onConnected(present);
        } finally {
            // Counted once the client is ready (a subscriber subscribed): a run's first step
            // waits for this, and a publisher started before the SUBSCRIBE took effect would
            // have its first messages acknowledged with no subscriber, then counted lost.
            sessionPresent.add(present);
        }
    }

    /** Retry pacing of a loop, never a wait for a result the test checks. */
    static void pace(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    boolean running() {
        return running;
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(keeper);
        try {
            keeper.join(20_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(0, 1000);
            }
        } catch (MqttException ignored) {
            // the broker may be gone already
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // best effort: the test is over
        }
    }
}
