package io.perch.redis.client;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** backend.redis.latency is a histogram with fixed buckets (aggregatable across nodes), not client-side percentiles. */
class LatencyHistogramTest {

    @Test
    void theBatchLatencyHasFixedBucketsAndNoPercentiles() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new CommandPipeline("pool1", () -> {
            throw new IllegalStateException("not connected in this test");
        }, new BackendMetrics(registry), 10, Duration.ofSeconds(1)); // never started: only its meters matter
        Timer t = registry.find("backend.redis.latency").tag("pool", "pool1").timer();
        assertThat(t).isNotNull();
        t.record(3, TimeUnit.MILLISECONDS);

        var snapshot = t.takeSnapshot();
        assertThat(snapshot.percentileValues()).isEmpty();
        assertThat(Arrays.stream(snapshot.histogramCounts()).mapToDouble(b -> b.bucket(TimeUnit.MILLISECONDS)))
                .containsExactly(0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0);
        assertThat(Arrays.stream(snapshot.histogramCounts()).filter(b -> b.bucket(TimeUnit.MILLISECONDS) == 5)
                .mapToDouble(CountAtBucket::count).sum()).isEqualTo(1);
    }
}
