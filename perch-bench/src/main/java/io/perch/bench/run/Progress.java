package io.perch.bench.run;

import io.perch.bench.stats.Counters;
import io.perch.bench.stats.Latency;
import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * The once-a-second line: rates since the previous line and the latency percentiles of that
 * interval. Called from the run's main thread only. It always drains the latency interval,
 * printed or not, which is how interval values reach the run total.
 */
final class Progress {
    private final Counters counters;
    private final Latency latency;
    private final long startNanos;
    private long lastNanos;
    private long lastSent;
    private long lastAcked;
    private long lastDelivered;

    Progress(Counters counters, Latency latency, long startNanos) {
        this.counters = counters;
        this.latency = latency;
        this.startNanos = startNanos;
        this.lastNanos = startNanos;
        this.lastSent = counters.sent.sum();
        this.lastAcked = counters.acked.sum();
        this.lastDelivered = counters.delivered.sum();
    }

    String line(String phase) {
        long now = System.nanoTime();
        double dt = Math.max(1e-9, (now - lastNanos) / 1e9);
        long sent = counters.sent.sum();
        long acked = counters.acked.sum();
        long delivered = counters.delivered.sum();
        Histogram h = latency.takeInterval();
        String text = String.format(Locale.ROOT,
                "[%5.1fs] %-8s sent %,9.0f/s  acked %,9.0f/s  delivered %,9.0f/s  p50 %s  p99 %s ms  dropped %d",
                (now - startNanos) / 1e9, phase, (sent - lastSent) / dt, (acked - lastAcked) / dt,
                (delivered - lastDelivered) / dt, ms(h, 50), ms(h, 99), counters.dropped.sum());
        lastNanos = now;
        lastSent = sent;
        lastAcked = acked;
        lastDelivered = delivered;
        return text;
    }

    private static String ms(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.3f", h.getValueAtPercentile(percentile) / 1e6);
    }
}
