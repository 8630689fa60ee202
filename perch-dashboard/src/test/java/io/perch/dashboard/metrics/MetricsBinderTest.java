package io.perch.dashboard.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.stats.BrokerStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard binds the broker's meters (the server's one binding) when the server did not. */
class MetricsBinderTest {

    @Test
    void bindsRefusalsByReasonAndErrorCounters() throws Exception {
        BrokerStats stats = new BrokerStats();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (AutoCloseable gc = MetricsBinder.bind(registry, stats, new HookRegistry())) {
            stats.connectionsRefusedListenerLimit.add(2);
            stats.acceptFailures.increment();
            stats.protocolErrors.add(3);
            stats.webSocketErrors.add(4);
            assertThat(registry.scrape())
                    .contains("perch_connections_refused_total{reason=\"listener_limit\"} 2.0")
                    .contains("perch_connections_refused_total{reason=\"node_limit\"} 0.0")
                    .contains("perch_connections_refused_total{reason=\"accept_failed\"} 1.0")
                    .contains("perch_protocol_errors_total 3.0")
                    .contains("perch_websocket_errors_total 4.0");
        }
    }
}
