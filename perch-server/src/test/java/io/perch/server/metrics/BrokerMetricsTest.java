package io.perch.server.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.stats.BrokerMetrics;
import io.perch.broker.stats.BrokerStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerMetricsTest {

    @Test
    void hookLatencyIsTimedPerHookPoint() {
        HookRegistry hooks = new HookRegistry();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BrokerMetrics.bind(new BrokerStats(), hooks, registry);
        hooks.register(io.perch.broker.hook.HookPoints.MESSAGE_PUBLISH, 0, "test",
                e -> java.util.concurrent.CompletableFuture.completedFuture(io.perch.broker.hook.HookResult.ok()));
        hooks.run(io.perch.broker.hook.HookPoints.MESSAGE_PUBLISH, null);
        hooks.run(io.perch.broker.hook.HookPoints.MESSAGE_PUBLISH, null);
        hooks.run(io.perch.broker.hook.HookPoints.CLIENT_CONNECTED, null); // no callback: not timed

        assertThat(registry.get("perch.hook.latency").tag("hook", "message.publish").timer().count()).isEqualTo(2);
        assertThat(registry.get("perch.hook.latency").tag("hook", "client.connected").timer().count()).isZero();
        String scrape = registry.scrape();
        assertThat(scrape).contains("perch_hook_latency_seconds_count{hook=\"message.publish\"} 2");
        // A histogram (aggregatable across nodes), not a summary: buckets up to a hook timeout.
        assertThat(scrape).contains("# TYPE perch_hook_latency_seconds histogram")
                .contains("perch_hook_latency_seconds_bucket{hook=\"message.publish\",le=\"5.0\"} 2")
                .doesNotContain("perch_hook_latency_seconds{hook=\"message.publish\",quantile");
    }

    @Test
    void countersFollowTheLiveAddersInPrometheusOutput() {
        BrokerStats stats = new BrokerStats();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BrokerMetrics.bind(stats, new HookRegistry(), registry);

        stats.messagesReceived.add(3);
        stats.messagesReceivedByQos[1].increment();
        stats.connectionsTotal.add(2);
        stats.connectionsRefusedNodeLimit.add(4);
        stats.acceptFailures.increment();
        stats.protocolErrors.add(5);
        stats.webSocketErrors.add(6);

        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("perch_messages_received_total 3.0")
                .contains("perch_messages_qos1_received_total 1.0")
                .contains("perch_messages_qos2_received_total 0.0")
                .contains("perch_connections_total 2.0")
                .contains("perch_hooks_failures_total 0.0")
                .contains("perch_connections_refused_total{reason=\"node_limit\"} 4.0")
                .contains("perch_connections_refused_total{reason=\"listener_limit\"} 0.0")
                .contains("perch_connections_refused_total{reason=\"accept_failed\"} 1.0")
                .contains("perch_protocol_errors_total 5.0")
                .contains("perch_websocket_errors_total 6.0");
    }

    @Test
    void gaugesReadNaNUntilTheBrokerBindsThemThenLiveValues() {
        BrokerStats stats = new BrokerStats();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BrokerMetrics.bind(stats, new HookRegistry(), registry);
        assertThat(registry.get("perch.connections.count").gauge().value()).isNaN();

        int[] connections = {5};
        stats.bindGauges(new BrokerStats.Gauges() {
            public int connections() { return connections[0]; }
            public int sessions() { return 6; }
            public int subscriptions() { return 7; }
            public int sharedSubscriptions() { return 1; }
            public int routes() { return 4; }
            public int retained() { return 2; }
            public int inflight() { return 0; }
            public int queued() { return 9; }
        });
        assertThat(registry.get("perch.connections.count").gauge().value()).isEqualTo(5.0);
        connections[0] = 8;
        assertThat(registry.get("perch.connections.count").gauge().value()).isEqualTo(8.0);
        assertThat(registry.scrape()).contains("perch_mqueue_count 9.0").contains("perch_retained_count 2.0");
    }
}
