package io.perch.bench;

import io.perch.bench.stats.BenchResult;
import io.perch.bench.stats.ResultFormat;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BenchResultTest {
    private static final BenchResult.Window HOLD = BenchResult.whole(1, 1, 0, 0, 0);

    private static BenchResult result(long sent, long delivered, long dups, long expected, Histogram h) {
        return new BenchResult("pubsub", "nio", 11, 11, 0, 0, 0.5, BenchResult.whole(2.0, 4.0, sent, sent, delivered),
                sent, sent, 0, delivered, dups, 3, 0, expected, h, -1, -1);
    }

    @Test
    void ratesShareAndLoss() {
        // 1000 sent to 10 matching subscribers: 10,000 owed; 9,900 arrived of which 100 were duplicates.
        BenchResult r = result(1000, 9_900, 100, 10_000, new Histogram(3));

        assertThat(r.sendRate()).isEqualTo(500.0);
        assertThat(r.deliverRate()).isEqualTo(2_475.0);
        assertThat(r.connectRate()).isEqualTo(22.0);
        assertThat(r.uniqueDelivered()).isEqualTo(9_800);
        assertThat(r.deliveredShare()).isCloseTo(98.0, within(1e-9));
        assertThat(r.lost()).isEqualTo(200);
    }

    @Test
    void ratesComeFromTheWindowAndCountsFromTheWholeRun() {
        // 10,000 sent in all; after a 1 s warm-up, 6,000 in the 2 s window; 5,000 delivered over 2.5 s.
        BenchResult.Window w = new BenchResult.Window(1.0, 2.0, 2.5, 6_000, 5_800, 5_000, 4.0);
        BenchResult r = new BenchResult("pubsub", "nio", 2, 2, 0, 0, 0.1, w, 10_000, 10_000, 0, 10_000, 0, 0, 0,
                10_000, new Histogram(3), -1, -1);

        assertThat(r.sendRate()).isEqualTo(3_000.0);
        assertThat(r.ackRate()).isEqualTo(2_900.0);
        assertThat(r.deliverRate()).isEqualTo(2_000.0);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(ResultFormat.json(r)).contains("\"warmupSeconds\": 1.000");
        // 4 s of the broker's CPU for the 5,000 delivered in the window.
        assertThat(r.watchedCpuMsPer1000()).isEqualTo(800.0);
        assertThat(ResultFormat.json(r)).contains("\"watchedCpuMsPer1000\": 800.000");
        assertThat(ResultFormat.text(r)).contains("4.00 s in the window, 800.000 ms per 1,000 delivered");
    }

    @Test
    void unknownsAreNaNNotZero() {
        BenchResult r = result(1000, 0, 0, -1, new Histogram(3));

        assertThat(r.deliveredShare()).isNaN();
        assertThat(r.lost()).isZero();
        assertThat(r.latencyMillis(99)).isNaN();
        assertThat(r.rssPerConnection()).isNaN();
        assertThat(r.watchedCpuMsPer1000()).isNaN();
        assertThat(ResultFormat.text(r)).doesNotContain("watched CPU");
        assertThat(BenchResult.rate(5, 0)).isNaN();
        assertThat(ResultFormat.json(r)).contains("\"deliveredShare\": null").contains("\"latencyP99Ms\": null");
    }

    @Test
    void latencyPercentilesInMilliseconds() {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= 100; i++) {
            h.recordValue(i * 1_000_000L); // 1..100 ms
        }
        BenchResult r = result(100, 100, 0, 100, h);

        assertThat(r.latencyMillis(50)).isCloseTo(50.0, within(0.1));
        assertThat(r.latencyMillis(99)).isCloseTo(99.0, within(0.1));
        assertThat(r.latencyMaxMillis()).isCloseTo(100.0, within(0.1));
        assertThat(ResultFormat.json(r)).contains("\"deliveredShare\": 100.000").contains("\"outOfOrder\": 3");
        assertThat(ResultFormat.text(r)).contains("100.000 % of 100 owed (0 lost)");
    }

    @Test
    void memoryPerConnectionAndConnectionHealth() {
        BenchResult r = new BenchResult("conn", "epoll", 1000, 1000, 0, 0, 2.0, HOLD, 0, 0, 0, 0, 0, 0, 0, -1,
                new Histogram(3), 10_000_000, 30_480_000);

        assertThat(r.rssPerConnection()).isEqualTo(20_480.0);
        assertThat(r.connectRate()).isEqualTo(500.0);
        assertThat(r.connectionsHealthy()).isTrue();
        BenchResult failed = new BenchResult("conn", "epoll", 1000, 990, 10, 0, 2.0, HOLD, 0, 0, 0, 0, 0, 0, 0, -1,
                new Histogram(3), -1, -1);
        assertThat(failed.connectionsHealthy()).isFalse();
        BenchResult dropped = new BenchResult("conn", "epoll", 1000, 1000, 0, 1, 2.0, HOLD, 0, 0, 0, 0, 0, 0, 0, -1,
                new Histogram(3), -1, -1);
        assertThat(dropped.connectionsHealthy()).isFalse();
    }
}
