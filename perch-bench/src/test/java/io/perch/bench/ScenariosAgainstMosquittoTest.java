package io.perch.bench;

import io.perch.bench.run.SubscriberJoin;
import io.perch.bench.stats.BenchResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scenarios bench/compare.sh added for issue 14, each once against a real broker, small: the
 * load tool must count every copy the broker owes. No speed is asserted here.
 */
class ScenariosAgainstMosquittoTest extends BrokerTestBase {

    @Test
    void qos0FanOutToAHundredSubscribers() throws Exception {
        BenchResult r = run(tcp(), spec("pubsub").publishers(1).subscribers(100).qos(0).countPerPub(200)
                .pubTopic("f100").subTopic("f100").durationMillis(0).build());

        assertThat(r.connectionsHealthy()).isTrue();
        assertThat(r.expected()).isEqualTo(20_000);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.duplicates()).isZero();
    }

    @Test
    void aThousandPublishersAtATotalRateToOneSubscriber() throws Exception {
        // 2,000 msg/s in all, 2 messages each: about a second of publishing.
        BenchResult r = run(tcp(), spec("pubsub").publishers(1000).subscribers(1).qos(1).ratePerPub(2).countPerPub(2)
                .pubTopic("mp/%i").subTopic("mp/+").durationMillis(0).build());

        assertThat(r.connectionsHealthy()).isTrue();
        assertThat(r.sent()).isEqualTo(2000);
        assertThat(r.expected()).isEqualTo(2000);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.latency().getTotalCount()).isEqualTo(2000);
    }

    @Test
    void largePayloadsOf64KiB() throws Exception {
        BenchResult r = run(tcp(), spec("pubsub").publishers(1).subscribers(1).qos(1).payloadSize(64 * 1024)
                .countPerPub(300).pubTopic("big/%i").durationMillis(0).build());

        assertThat(r.acked()).isEqualTo(300);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.foreign()).isZero();
    }

    @Test
    void retainedMessagesFanOutToAThousandNewSubscribers() throws Exception {
        // 10 topics hold one retained message each (the last of 3); 1,000 subscribers then arrive.
        BenchResult r = run(tcp(), spec("pubsub").publishers(10).subscribers(1000).qos(1).countPerPub(3).retain(true)
                .join(SubscriberJoin.AFTER).pubTopic("ret/%i").subTopic("ret/#").durationMillis(0).build());

        assertThat(r.connectionsHealthy()).isTrue();
        assertThat(r.acked()).isEqualTo(30);
        assertThat(r.expected()).isEqualTo(10_000);
        assertThat(r.delivered()).isEqualTo(10_000);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.deliverRate()).isPositive();
        // A retained copy's age is not a delivery latency.
        assertThat(r.latency().getTotalCount()).isZero();
    }

    @Test
    void persistentSessionsQueueWhileTheSubscribersAreAway() throws Exception {
        BenchResult r = run(tcp().withSession(false, -1), spec("pubsub").publishers(2).subscribers(5).qos(1)
                .countPerPub(500).join(SubscriberJoin.AWAY).pubTopic("away/%i").subTopic("away/#")
                .durationMillis(0).build());

        assertThat(r.connectionsHealthy()).isTrue();
        // Subscribers connect twice: 5 + 2 + 5.
        assertThat(r.connected()).isEqualTo(12);
        assertThat(r.expected()).isEqualTo(5000);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.duplicates()).isZero();
        assertThat(r.latency().getTotalCount()).isZero();
    }
}
