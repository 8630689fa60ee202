package io.perch.broker.stats;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.hook.HookRegistry;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;

/**
 * The one binding of the engine's {@link BrokerStats} into a Micrometer registry, used by the
 * server and, when it runs without the server, by the dashboard. Without copying: counters
 * are {@link FunctionCounter}s over the LongAdders, gauges ask the broker live. Names follow
 * EMQ X's metrics under a {@code perch.} prefix (Prometheus shows {@code perch_messages_received_total}).
 * A gauge reads NaN until the broker has bound its gauge source at start.
 */
public final class BrokerMetrics {
    private BrokerMetrics() {
    }

    /** The le buckets of perch.hook.latency: from a callback that returns at once to a hook timeout. */
    public static final java.time.Duration[] HOOK_LATENCY_BUCKETS = {java.time.Duration.ofNanos(10_000),
            java.time.Duration.ofNanos(50_000), java.time.Duration.ofNanos(100_000), java.time.Duration.ofNanos(500_000),
            java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(10),
            java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(500),
            java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(5)};

    public static void bind(BrokerStats stats, HookRegistry hooks, MeterRegistry registry) {
        counter(registry, "perch.connections", "connections accepted", stats.connectionsTotal);
        counter(registry, "perch.connect.refused", "CONNECTs refused", stats.connectRefused);
        refused(registry, "node_limit", "connections closed at once: node.max_connections reached",
                stats.connectionsRefusedNodeLimit);
        refused(registry, "listener_limit", "connections closed at once: the listener's max_connections reached",
                stats.connectionsRefusedListenerLimit);
        refused(registry, "per_ip_limit", "connections closed at once: their address reached the listener's max_conn_per_ip",
                stats.connectionsRefusedPerIpLimit);
        refused(registry, "rate_limit", "connections closed at once: the listener's max_conn_rate per second was used up",
                stats.connectionsRefusedRateLimit);
        refused(registry, "accept_failed", "accept() failures on a listener socket (e.g. out of file descriptors)",
                stats.acceptFailures);
        counter(registry, "perch.bytes.received", "bytes read from clients", stats.bytesReceived);
        counter(registry, "perch.bytes.sent", "bytes written to clients", stats.bytesSent);
        counter(registry, "perch.packets.received", "MQTT packets received", stats.packetsReceived);
        counter(registry, "perch.packets.sent", "MQTT packets sent", stats.packetsSent);
        counter(registry, "perch.packets.malformed", "malformed packets (and undecodable TLS records) received",
                stats.malformedPackets);
        counter(registry, "perch.protocol.errors", "packets that broke a protocol rule", stats.protocolErrors);
        counter(registry, "perch.publishes.not.stored", "QoS 1/2 publishes refused because the session store did not take them",
                stats.publishesNotStored);
        counter(registry, "perch.backpressure.holds",
                "times a subscriber's queue passed zone.external.backpressure_queue_bytes and held publishers' acknowledgements",
                stats.backpressureHolds);
        counter(registry, "perch.websocket.errors", "WebSocket frames that broke RFC 6455",
                stats.webSocketErrors);
        counter(registry, "perch.messages.received", "PUBLISH messages received", stats.messagesReceived);
        counter(registry, "perch.messages.sent", "PUBLISH messages sent", stats.messagesSent);
        for (int qos = 0; qos <= 2; qos++) {
            counter(registry, "perch.messages.qos" + qos + ".received", "QoS " + qos + " messages received",
                    stats.messagesReceivedByQos[qos]);
            counter(registry, "perch.messages.qos" + qos + ".sent", "QoS " + qos + " messages sent",
                    stats.messagesSentByQos[qos]);
        }
        counter(registry, "perch.messages.dropped", "messages dropped for any reason", stats.messagesDropped);
        counter(registry, "perch.messages.dropped.no_subscribers", "messages nobody subscribed to",
                stats.messagesDroppedNoSubscribers);
        counter(registry, "perch.messages.dropped.queue_full", "messages dropped because a session queue was full",
                stats.messagesDroppedQueueFull);
        counter(registry, "perch.messages.dropped.expired", "messages expired before delivery", stats.messagesDroppedExpired);
        counter(registry, "perch.messages.dropped.qos0_offline", "QoS 0 messages not kept for a client that is away "
                + "(mqueue_store_qos0 off)", stats.messagesDroppedQos0Offline);
        counter(registry, "perch.messages.dropped.too_large", "messages larger than the client's Maximum Packet Size",
                stats.messagesDroppedTooLarge);
        counter(registry, "perch.messages.retried", "messages resent", stats.messagesRetried);
        counter(registry, "perch.messages.acked", "deliveries acknowledged", stats.messagesAcked);
        counter(registry, "perch.auth.failures", "authentication failures", stats.authFailures);
        counter(registry, "perch.acl.denied", "publishes and subscriptions denied by ACL", stats.aclDenied);
        counter(registry, "perch.sessions.takenover", "sessions taken over by a new connection", stats.sessionsTakenOver);
        counter(registry, "perch.sessions.expired", "sessions expired", stats.sessionsExpired);
        counter(registry, "perch.sessions.refused.stored_limit",
                "CONNECTs refused (v5 0x97, v3 3): a new persistent session past mqtt.max_stored_sessions",
                stats.sessionsRefusedStoredLimit);
        for (io.perch.broker.hook.HookPoint<?> point : io.perch.broker.hook.HookPoints.ALL) {
            // A histogram with fixed buckets (Prometheus type histogram, aggregatable across nodes),
            // not client-side percentiles.
            io.micrometer.core.instrument.Timer timer = io.micrometer.core.instrument.Timer.builder("perch.hook.latency")
                    .tag("hook", point.name())
                    .description("time the hook point's callbacks took, until the last completed")
                    .serviceLevelObjectives(HOOK_LATENCY_BUCKETS)
                    .register(registry);
            hooks.timing(point).listen(nanos -> timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS));
        }
        FunctionCounter.builder("perch.hooks.failures", hooks, HookRegistry::failures)
                .description("hook callbacks that threw or failed").register(registry);
        FunctionCounter.builder("perch.hooks.timeouts", hooks, HookRegistry::timeouts)
                .description("hook callbacks that did not complete within hooks.timeout").register(registry);

        gauge(registry, stats, "perch.connections.count", "connected clients", BrokerStats.Gauges::connections);
        gauge(registry, stats, "perch.sessions.count", "sessions, connected or not", BrokerStats.Gauges::sessions);
        gauge(registry, stats, "perch.subscriptions.count", "subscriptions", BrokerStats.Gauges::subscriptions);
        gauge(registry, stats, "perch.subscriptions.shared.count", "shared subscriptions",
                BrokerStats.Gauges::sharedSubscriptions);
        gauge(registry, stats, "perch.routes.count", "topic filters with subscribers", BrokerStats.Gauges::routes);
        gauge(registry, stats, "perch.retained.count", "retained messages", BrokerStats.Gauges::retained);
        gauge(registry, stats, "perch.inflight.count", "deliveries awaiting acknowledgement", BrokerStats.Gauges::inflight);
        gauge(registry, stats, "perch.mqueue.count", "messages queued in sessions", BrokerStats.Gauges::queued);
        gauge(registry, stats, "perch.sessions.stored.count",
                "sessions kept beyond their connection, in memory or stored (bounded by mqtt.max_stored_sessions)",
                BrokerStats.Gauges::storedSessions);
    }

    private static void counter(MeterRegistry registry, String name, String description, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(description).register(registry);
    }

    /** perch.connections.refused, one series per reason. */
    private static void refused(MeterRegistry registry, String reason, String description, LongAdder adder) {
        FunctionCounter.builder("perch.connections.refused", adder, LongAdder::sum).tag("reason", reason)
                .description(description).register(registry);
    }

    private static void gauge(MeterRegistry registry, BrokerStats stats, String name, String description,
                              ToIntFunction<BrokerStats.Gauges> read) {
        Gauge.builder(name, stats, s -> {
            BrokerStats.Gauges g = s.gauges();
            return g == null ? Double.NaN : read.applyAsInt(g);
        }).description(description).register(registry);
    }
}
