package io.perch.bench;

import io.perch.bench.cli.Commands;
import io.perch.bench.run.BenchRun;
import io.perch.bench.stats.BenchResult;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** pub, sub and conn on their own, and the command line end to end. */
class ModesAgainstMosquittoTest extends BrokerTestBase {

    @Test
    void pubCountsAcksAndOwesNothing() throws Exception {
        BenchResult r = run(tcp(), spec("pub").publishers(2).qos(1).countPerPub(300).pubTopic("p/%i").build());

        assertThat(r.sent()).isEqualTo(600);
        assertThat(r.acked()).isEqualTo(600);
        assertThat(r.expected()).isEqualTo(-1);
        assertThat(r.delivered()).isZero();
        assertThat(r.deliveredShare()).isNaN();
    }

    @Test
    void subInOneRunReceivesWhatPubInAnotherRunSends() throws Exception {
        BenchRun sub = new BenchRun(tcp().withClientIdPrefix("sub-side"),
                spec("sub").subscribers(2).subQos(1).subTopic("ps/#").durationMillis(6000).build(), null);
        CompletableFuture<BenchResult> subResult = CompletableFuture.supplyAsync(() -> {
            try {
                return sub.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(sub.awaitSubscribed(10, TimeUnit.SECONDS)).isTrue();

        BenchResult pub = run(tcp().withClientIdPrefix("pub-side"),
                spec("pub").publishers(1).qos(1).countPerPub(250).pubTopic("ps/x").build());
        BenchResult r = subResult.get(30, TimeUnit.SECONDS);

        assertThat(pub.acked()).isEqualTo(250);
        // Two subscribers, each gets all 250, each exactly once; sub alone cannot know the owed count.
        assertThat(r.delivered()).isEqualTo(500);
        assertThat(r.duplicates()).isZero();
        assertThat(r.foreign()).isZero();
        assertThat(r.expected()).isEqualTo(-1);
        // One host, one monotonic clock: the cross-process latency is real.
        assertThat(r.latency().getTotalCount()).isEqualTo(500);
        // Rated over the time deliveries flowed, not the whole 6 s hold: the publisher ran for a
        // part of it (bench/cluster.sh's rows depend on this).
        assertThat(r.deliverSeconds()).isPositive().isLessThan(r.publishSeconds());
        assertThat(r.deliverRate()).isEqualTo(500 / r.deliverSeconds());
    }

    @Test
    void connHoldsConnectionsAndWatchesTheBrokersMemory() throws Exception {
        BenchResult r = run(tcp(), spec("conn").idle(200).durationMillis(300).watchPid(broker.pid()).build());

        assertThat(r.connected()).isEqualTo(200);
        assertThat(r.connectFailed()).isZero();
        assertThat(r.connectRate()).isPositive();
        assertThat(r.rssBefore()).isPositive();
        assertThat(r.rssAfter()).isPositive();
        assertThat(r.rssPerConnection()).isNotNaN();
    }

    @Test
    void pubsubWatchesTheBrokersCpuOverTheWindow() throws Exception {
        BenchResult r = run(tcp(), spec("pubsub").publishers(1).subscribers(1).qos(1).countPerPub(2000)
                .pubTopic("cpu/%i").watchPid(broker.pid()).build());

        assertThat(r.delivered()).isEqualTo(2000);
        // Read from /proc in clock ticks: a short run may cost the broker less than one.
        assertThat(r.window().watchedCpuSeconds()).isGreaterThanOrEqualTo(0);
        assertThat(r.watchedCpuMsPer1000()).isNotNaN().isGreaterThanOrEqualTo(0);
    }

    @Test
    void commandLinePrintsJsonAndExitsZero() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Commands.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));

        int code = cli.execute("pubsub", "-h", "127.0.0.1", "-p", Integer.toString(broker.port()), "-q", "1",
                "--count", "100", "-i", "0", "-t", "cli/%i", "--json");

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("\"sent\": 100,").contains("\"expected\": 100,")
                .contains("\"deliveredShare\": 100.000,").contains("\"duplicates\": 0,");
    }

    @Test
    void failedConnectionsGiveANonZeroExit() throws Exception {
        int closed = Mosquitto.freePort();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Commands.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));

        int code = cli.execute("conn", "-h", "127.0.0.1", "-p", Integer.toString(closed), "-c", "3", "-i", "0",
                "--duration", "0.1", "--json");

        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("\"connected\": 0,").contains("\"connectFailed\": 3,");
        assertThat(err.toString()).contains("connect failed 3 x");
    }
}
