package io.perch.server.fault;

import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * A persistent publisher: publishes sequence numbers 1..count on one topic at one QoS as fast
 * as its in-flight window allows, waiting while the broker is down. What it hands to Paho is
 * "sent" in the ledger; what Paho reports complete (PUBACK / PUBCOMP, after a resend if need
 * be) is "acked".
 */
final class FaultPublisher extends FaultClient {
    private final String topic;
    private final int qos;
    private final long count;
    private final Thread publishing;
    private volatile long handedOver;

    FaultPublisher(String id, java.util.function.IntSupplier port, Ledger ledger, String topic, int qos, long count)
            throws MqttException {
        super(id, port, ledger, 32);
        this.topic = topic;
        this.qos = qos;
        this.count = count;
        this.publishing = new Thread(this::publishAll, "fault-publisher-" + id);
        this.publishing.setDaemon(true);
    }

    @Override
    void start() {
        super.start();
        publishing.start();
    }

    @Override
    void onConnected(boolean sessionPresent) {
        // Nothing to do: Paho resends what is in flight by itself on a clean-session-0 reconnect.
    }

    private void publishAll() {
        for (long seq = 1; seq <= count && running(); seq++) {
            ledger.sent(id, topic, qos, seq);
            while (running()) {
                try {
                    client.publish(topic, Ledger.payload(id, seq), qos, false, new Sent(topic, seq), null);
                    handedOver = seq;
                    break;
                } catch (MqttException e) {
                    // Not connected, or the in-flight window is full: Paho took nothing, try the same message again.
                    pace(e.getReasonCode() == MqttException.REASON_CODE_MAX_INFLIGHT ? 1 : 20);
                }
            }
        }
    }

    /** The highest sequence number Paho has taken (0 before the first). */
    long handedOver() {
        return handedOver;
    }

    /** True when every message was handed to Paho (not necessarily acknowledged). */
    boolean allHandedOver() {
        return handedOver == count;
    }

    long count() {
        return count;
    }

    @Override
    public void close() {
        super.close();
        try {
            publishing.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
