package io.perch.server.fault;

import org.eclipse.paho.client.mqttv3.MqttException;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The persistent subscriber: subscribes when the broker has no session for it (the first
 * connection, or a broker that lost it), and otherwise relies on the stored session. Every
 * delivery goes to the ledger.
 */
final class FaultSubscriber extends FaultClient {
    private final String[] filters;
    private final int[] qos;
    private final AtomicInteger resubscribed = new AtomicInteger();

    FaultSubscriber(String id, java.util.function.IntSupplier port, Ledger ledger, String[] filters, int[] qos) throws MqttException {
        super(id, port, ledger, 10);
        this.filters = filters.clone();
        this.qos = qos.clone();
    }

    @Override
    void onConnected(boolean sessionPresent) throws MqttException {
        if (!sessionPresent) {
            // A lost session means lost subscriptions: subscribe again as a real client would,
            // so the ledger goes on measuring; the test reports the missing session separately.
            if (!sessionPresent().isEmpty()) { // not the first connection (this one's flag is recorded after)
                resubscribed.incrementAndGet();
            }
            client.subscribe(filters, qos).waitForCompletion(15_000);
        }
    }

    /** How often a reconnection found no session and had to subscribe again. */
    int resubscribed() {
        return resubscribed.get();
    }
}
