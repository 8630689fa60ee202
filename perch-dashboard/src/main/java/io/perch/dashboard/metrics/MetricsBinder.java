package io.perch.dashboard.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.stats.BrokerMetrics;
import io.perch.broker.stats.BrokerStats;

/**
 * Binds JVM and broker meters for the Prometheus endpoint unless someone (the server) already
 * did: the registry is checked first, because binding twice would either duplicate series or
 * make Prometheus registration fail. Returns the GC binder, which must be closed on stop.
 */
public final class MetricsBinder {
    private MetricsBinder() {
    }

    public static AutoCloseable bind(MeterRegistry registry, BrokerStats stats, HookRegistry hooks) {
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
            BrokerMetrics.bind(stats, hooks, registry); // the same names as the server's
        }
        return closer;
    }
}
