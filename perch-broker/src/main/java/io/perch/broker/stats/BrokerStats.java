package io.perch.broker.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and gauges of the engine. Plain LongAdders, written from any thread without
 * contention; {@link BrokerMetrics} binds them to Micrometer. Names follow EMQ X's metrics
 * (messages.received, packets.connect...).
 */
public final class BrokerStats {
    public final LongAdder connectionsTotal = new LongAdder();
    public final LongAdder connectRefused = new LongAdder();
    /** Connections closed at once because node.max_connections was reached. */
    public final LongAdder connectionsRefusedNodeLimit = new LongAdder();
    /** Connections closed at once because their listener's max_connections was reached. */
    public final LongAdder connectionsRefusedListenerLimit = new LongAdder();
    /** Closed at once: their address already had the listener's max_conn_per_ip connections. */
    public final LongAdder connectionsRefusedPerIpLimit = new LongAdder();
    /** Closed at once: the listener's max_conn_rate was used up for this second. */
    public final LongAdder connectionsRefusedRateLimit = new LongAdder();
    /** accept() failures on a listener socket (EMFILE, ENFILE...): the client was never seen. */
    public final LongAdder acceptFailures = new LongAdder();
    public final LongAdder bytesReceived = new LongAdder();
    public final LongAdder bytesSent = new LongAdder();
    public final LongAdder packetsReceived = new LongAdder();
    public final LongAdder packetsSent = new LongAdder();
    public final LongAdder malformedPackets = new LongAdder();
    /** Packets that broke a protocol rule (second CONNECT, first packet not CONNECT...). */
    public final LongAdder protocolErrors = new LongAdder();
    /** WebSocket frames that broke RFC 6455 (unmasked, bad opcode, too large...). */
    public final LongAdder webSocketErrors = new LongAdder();
    public final LongAdder messagesReceived = new LongAdder();
    public final LongAdder[] messagesReceivedByQos = {new LongAdder(), new LongAdder(), new LongAdder()};
    public final LongAdder messagesSent = new LongAdder();
    public final LongAdder[] messagesSentByQos = {new LongAdder(), new LongAdder(), new LongAdder()};
    public final LongAdder messagesDropped = new LongAdder();
    public final LongAdder messagesDroppedNoSubscribers = new LongAdder();
    public final LongAdder messagesDroppedQueueFull = new LongAdder();
    public final LongAdder messagesDroppedExpired = new LongAdder();
    /** QoS 0 for a session whose client is away, with mqueue_store_qos0 off. */
    public final LongAdder messagesDroppedQos0Offline = new LongAdder();
    /** Larger than the client's Maximum Packet Size (MQTT-3.1.2-25). */
    public final LongAdder messagesDroppedTooLarge = new LongAdder();
    public final LongAdder messagesRetried = new LongAdder();
    public final LongAdder messagesAcked = new LongAdder();
    /** QoS 1/2 publishes refused because the session store did not take them (never acknowledged as stored). */
    public final LongAdder publishesNotStored = new LongAdder();
    /** Times a connected session's queue passed zone.external.backpressure_queue_bytes and began to hold acknowledgements. */
    public final LongAdder backpressureHolds = new LongAdder();
    public final LongAdder authFailures = new LongAdder();
    public final LongAdder aclDenied = new LongAdder();
    public final LongAdder sessionsTakenOver = new LongAdder();
    public final LongAdder sessionsExpired = new LongAdder();
    /** CONNECTs refused because they would create a persistent session past mqtt.max_stored_sessions. */
    public final LongAdder sessionsRefusedStoredLimit = new LongAdder();

    /** Gauges answered live by the broker. */
    public interface Gauges {
        int connections();

        int sessions();

        int subscriptions();

        int sharedSubscriptions();

        int routes();

        int retained();

        int inflight();

        int queued();

        /** Sessions kept beyond their connection (in memory or stored), as mqtt.max_stored_sessions counts them. */
        default int storedSessions() {
            return 0;
        }
    }

    private volatile Gauges gauges;

    public void bindGauges(Gauges g) {
        this.gauges = g;
    }

    public Gauges gauges() {
        return gauges;
    }
}
