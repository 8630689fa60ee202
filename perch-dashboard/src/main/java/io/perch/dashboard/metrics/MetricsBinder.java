package io.perch.dashboard.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.perch.broker.stats.BrokerStats;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;

/**
 * Binds JVM and broker meters for the Prometheus endpoint unless someone (the server) already
 * did: the registry is checked first, because binding twice would either duplicate series or
 * make Prometheus registration fail. Returns the GC binder, which must be closed on stop.
 */
public final class MetricsBinder {
    private MetricsBinder() {
    }

    public static AutoCloseable bind(MeterRegistry registry, BrokerStats stats) {
        AutoCloseable closer = () -> { };
        if (registry.find("jvm.memory.used").meter() == null) {
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            JvmGcMetrics gc = new JvmGcMetrics();
            gc.bindTo(registry);
            closer = gc;
        }
        boolean perchBound = registry.getMeters().stream().anyMatch(m -> m.getId().getName().startsWith("perch."));
        if (!perchBound) {
            bindBroker(registry, stats);
        }
        return closer;
    }

    private static void bindBroker(MeterRegistry r, BrokerStats s) {
        counter(r, "perch.connections.total", s.connectionsTotal);
        counter(r, "perch.connect.refused", s.connectRefused);
        refused(r, "node_limit", s.connectionsRefusedNodeLimit);
        refused(r, "listener_limit", s.connectionsRefusedListenerLimit);
        refused(r, "accept_failed", s.acceptFailures);
        counter(r, "perch.bytes.received", s.bytesReceived);
        counter(r, "perch.bytes.sent", s.bytesSent);
        counter(r, "perch.packets.received", s.packetsReceived);
        counter(r, "perch.packets.sent", s.packetsSent);
        counter(r, "perch.packets.malformed", s.malformedPackets);
        counter(r, "perch.protocol.errors", s.protocolErrors);
        counter(r, "perch.websocket.errors", s.webSocketErrors);
        counter(r, "perch.messages.received", s.messagesReceived);
        counter(r, "perch.messages.sent", s.messagesSent);
        counter(r, "perch.messages.dropped", s.messagesDropped);
        counter(r, "perch.messages.dropped.no_subscribers", s.messagesDroppedNoSubscribers);
        counter(r, "perch.messages.dropped.queue_full", s.messagesDroppedQueueFull);
        counter(r, "perch.messages.dropped.expired", s.messagesDroppedExpired);
        counter(r, "perch.messages.retried", s.messagesRetried);
        counter(r, "perch.messages.acked", s.messagesAcked);
        counter(r, "perch.auth.failures", s.authFailures);
        counter(r, "perch.acl.denied", s.aclDenied);
        counter(r, "perch.sessions.taken_over", s.sessionsTakenOver);
        counter(r, "perch.sessions.expired", s.sessionsExpired);
        gauge(r, s, "perch.connections", BrokerStats.Gauges::connections);
        gauge(r, s, "perch.sessions", BrokerStats.Gauges::sessions);
        gauge(r, s, "perch.subscriptions", BrokerStats.Gauges::subscriptions);
        gauge(r, s, "perch.subscriptions.shared", BrokerStats.Gauges::sharedSubscriptions);
        gauge(r, s, "perch.routes", BrokerStats.Gauges::routes);
        gauge(r, s, "perch.retained", BrokerStats.Gauges::retained);
        gauge(r, s, "perch.inflight", BrokerStats.Gauges::inflight);
        gauge(r, s, "perch.queued", BrokerStats.Gauges::queued);
    }

    private static void counter(MeterRegistry r, String name, LongAdder a) {
        FunctionCounter.builder(name, a, LongAdder::doubleValue).register(r);
    }

    private static void refused(MeterRegistry r, String reason, LongAdder a) {
        FunctionCounter.builder("perch.connections.refused", a, LongAdder::doubleValue).tag("reason", reason).register(r);
    }

    /** Gauges are read through stats.gauges() each scrape: the broker binds them at start. */
    private static void gauge(MeterRegistry r, BrokerStats s, String name, ToIntFunction<BrokerStats.Gauges> f) {
        Gauge.builder(name, s, st -> st.gauges() == null ? 0 : f.applyAsInt(st.gauges())).register(r);
    }
}
