package io.perch.bench;

import io.perch.bench.stats.BenchResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** pubsub against a real broker: every owed copy must arrive once, in order, with a latency. */
class PubSubAgainstMosquittoTest extends BrokerTestBase {

    @Test
    void qos1PointToPointDeliversEveryMessageOnce() throws Exception {
        BenchResult r = run(tcp(), spec("pubsub").publishers(1).subscribers(1).qos(1).countPerPub(500)
                .pubTopic("t/qos1/%i").build());

        assertThat(r.connectionsHealthy()).isTrue();
        assertThat(r.sent()).isEqualTo(500);
        assertThat(r.acked()).isEqualTo(500);
        assertThat(r.expected()).isEqualTo(500);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.duplicates()).isZero();
        assertThat(r.outOfOrder()).isZero();
        assertThat(r.latency().getTotalCount()).isEqualTo(500);
        assertThat(r.latencyMillis(50)).isPositive();
    }

    @Test
    void qos2FanOutOwesOneCopyPerSubscriber() throws Exception {
        BenchResult r = run(tcp(), spec("pubsub").publishers(1).subscribers(3).qos(2).countPerPub(200)
                .pubTopic("t/fanout").subTopic("t/fanout").build());

        assertThat(r.sent()).isEqualTo(200);
        assertThat(r.acked()).isEqualTo(200);
        assertThat(r.expected()).isEqualTo(600);
        assertThat(r.delivered()).isEqualTo(600);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.duplicates()).isZero();
    }

    @Test
    void fanInThroughAWildcardCountsEveryPublisher() throws Exception {
        // QoS 0 at a modest rate: loopback and a limit-free broker lose nothing.
        BenchResult r = run(tcp(), spec("pubsub").publishers(3).subscribers(1).qos(0).countPerPub(100)
                .ratePerPub(2000).pubTopic("t/fanin/%i").subTopic("t/fanin/+").build());

        assertThat(r.sent()).isEqualTo(300);
        assertThat(r.expected()).isEqualTo(300);
        assertThat(r.uniqueDelivered()).isEqualTo(300);
        assertThat(r.outOfOrder()).isZero();
    }

    @Test
    void pairedTopicsOnlyReachTheirOwnSubscriber() throws Exception {
        // 4 publishers on t/pair/0..3, 4 subscribers on t/pair/0..3: one copy per message.
        BenchResult r = run(tcp(), spec("pubsub").publishers(4).subscribers(4).qos(1).countPerPub(100)
                .pubTopic("t/pair/%i").build());

        assertThat(r.expected()).isEqualTo(400);
        assertThat(r.delivered()).isEqualTo(400);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
    }

    @Test
    void saturationIsBoundedByTheWindowAndStopsAtTheDuration() throws Exception {
        long t0 = System.nanoTime();
        BenchResult r = run(tcp(), spec("pubsub").publishers(1).subscribers(1).qos(1).inflight(8)
                .durationMillis(1000).pubTopic("t/sat").build());
        double took = (System.nanoTime() - t0) / 1e9;

        // Not the 10 s default; the upper bound leaves room for a loaded machine.
        assertThat(r.publishSeconds()).isBetween(0.9, 3.0);
        assertThat(took).isLessThan(10);
        assertThat(r.sent()).isGreaterThan(100);
        assertThat(r.acked()).isEqualTo(r.sent());
        assertThat(r.deliveredShare()).isEqualTo(100.0);
    }

    @Test
    void warmUpIsLeftOutOfRatesButNotOutOfCounts() throws Exception {
        BenchResult r = run(tcp(), spec("pubsub").publishers(1).subscribers(1).qos(1).ratePerPub(1000)
                .durationMillis(3000).warmupMillis(1000).pubTopic("t/warm/%i").build());

        assertThat(r.window().warmupSeconds()).isGreaterThanOrEqualTo(0.99);
        double total = r.window().warmupSeconds() + r.publishSeconds();
        assertThat(total).isGreaterThanOrEqualTo(2.99);
        // The window holds only its share of the messages, and its rate is the schedule's.
        assertThat(r.window().sent()).isLessThan(r.sent());
        assertThat((double) r.window().sent() / r.sent()).isCloseTo(r.publishSeconds() / total, within(0.1));
        assertThat(r.sendRate()).isBetween(850.0, 1150.0);
        assertThat(r.latency().getTotalCount()).isLessThan(r.delivered());
        assertThat(r.deliveredShare()).isEqualTo(100.0);
    }

    @Test
    void fixedRateIsKept() throws Exception {
        BenchResult r = run(tcp(), spec("pubsub").publishers(2).subscribers(1).qos(1).ratePerPub(500)
                .durationMillis(1500).pubTopic("t/rate/%i").subTopic("t/rate/#").build());

        // 2 x 500 msg/s; the absolute schedule keeps the mean within a few percent.
        assertThat(r.sendRate()).isBetween(900.0, 1100.0);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
    }
}
