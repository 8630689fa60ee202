package io.perch.server.fault;

import org.awaitility.core.ConditionTimeoutException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;

/**
 * One fault run: a broker, a persistent subscriber on a QoS 1 topic (by default
 * {@value #TOPIC_QOS1}) and a QoS 2 topic (by default {@value #TOPIC_QOS2}), one persistent
 * publisher per topic at that QoS. While they
 * run the broker is killed with SIGKILL and restarted {@code kills} times, each kill once a
 * further share of the messages is acknowledged (so kills land in the middle of the traffic,
 * whatever the machine's speed). After the last restart it waits, bounded, for the publishers
 * to finish and for every acknowledged message to arrive, then hands the ledger's verdict back.
 * {@link #close()} stops clients and broker however the run ended.
 */
final class CrashRun implements AutoCloseable {
    static final String TOPIC_QOS1 = "fault/qos1";
    static final String TOPIC_QOS2 = "fault/qos2";
    /** A bound for any one step that needs the broker to make progress; a step past it fails the run. */
    private static final Duration STEP = Duration.ofSeconds(60);

    private final Ledger ledger = new Ledger();
    private final BrokerProcess broker;
    private final FaultSubscriber subscriber;
    private final List<FaultPublisher> publishers = new ArrayList<>();
    private final List<FaultClient> clients = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /** What the test asserts on and prints. */
    record Result(Ledger.Summary summary, int kills, List<String> sessionPresentAfterRestart, boolean everySessionPresent,
                  int resubscribed, List<String> notes, String brokerTail) {

        String line(String mode) {
            return "fault run [" + mode + "] kills=" + kills + " " + summary.line()
                    + " | session present after restart: " + sessionPresentAfterRestart
                    + (resubscribed > 0 ? " | subscriber re-subscribed " + resubscribed + "x" : "")
                    + (notes.isEmpty() ? "" : " | " + String.join("; ", notes));
        }
    }

    private final Duration drainWithin;

    /** @param drainWithin how long, after the last restart, to wait for acknowledgements and deliveries */
    CrashRun(Path home, List<String> configLines, long messagesPerPublisher, Duration drainWithin) throws Exception {
        this(home, configLines, messagesPerPublisher, drainWithin, TOPIC_QOS1, TOPIC_QOS2);
    }

    /** With other topics (plain names, used as the subscriber's filters too). */
    CrashRun(Path home, List<String> configLines, long messagesPerPublisher, Duration drainWithin, String topicQos1,
             String topicQos2) throws Exception {
        this.drainWithin = drainWithin;
        List<String> config = new ArrayList<>(List.of(
                // Unbounded session queues: a full queue drops acknowledged messages by design
                // (oldest first), which would be counted as lost and hide what a crash costs.
                "zone.external.max_mqueue_len = 0"));
        config.addAll(configLines);
        broker = BrokerProcess.start(home, "fault@127.0.0.1", config);
        subscriber = new FaultSubscriber("fault-sub", broker, ledger, new String[] {topicQos1, topicQos2}, new int[] {1, 2});
        clients.add(subscriber);
        publishers.add(new FaultPublisher("fault-pub-q1", broker, ledger, topicQos1, 1, messagesPerPublisher));
        publishers.add(new FaultPublisher("fault-pub-q2", broker, ledger, topicQos2, 2, messagesPerPublisher));
        clients.addAll(publishers);
    }

    Result run(int kills) throws Exception {
        subscriber.start();
        // The subscription exists before the first PUBLISH, so every acknowledged message has a subscriber.
        step("the subscriber's first connection", () -> subscriber.sessionPresent().size() == 1 && subscriber.connected());
        publishers.forEach(FaultPublisher::start);
        long total = publishers.stream().mapToLong(FaultPublisher::count).sum();
        for (int k = 1; k <= kills; k++) {
            long threshold = total * k / (kills + 1);
            step("kill " + k + ": " + threshold + " of " + total + " acknowledged", () -> ledger.ackedCount() >= threshold);
            broker.kill9();
            broker.restart();
            int connects = k + 1;
            // Every client back on the new broker before the next kill, so each restart is one CONNACK to check.
            step("restart " + k + ": every client reconnected", () -> clients.stream()
                    .allMatch(c -> c.connected() && c.sessionPresent().size() >= connects));
        }
        drain("every message handed to the client", () -> publishers.stream().allMatch(FaultPublisher::allHandedOver));
        drain("every message acknowledged", () -> ledger.ackedCount() == total);
        drain("every acknowledged message delivered", () -> ledger.ackedNotDelivered() == 0);

        List<String> present = new ArrayList<>();
        boolean all = true;
        for (FaultClient c : clients) {
            List<Boolean> flags = c.sessionPresent();
            List<Boolean> after = flags.subList(1, flags.size());
            present.add(c.id + "=" + after.stream().filter(b -> b).count() + "/" + after.size());
            all &= !after.contains(false);
        }
        return new Result(ledger.summarize(), kills, present, all, subscriber.resubscribed(), List.copyOf(notes),
                broker.tail(30));
    }

    /** A step the run cannot go on without: past the bound it fails, with the broker's last lines. */
    private void step(String what, Callable<Boolean> done) {
        try {
            await(what).atMost(STEP).pollInterval(Duration.ofMillis(10)).until(done);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("fault run stuck at " + what + "; " + ledger.summarize().line()
                    + "\nbroker output (tail):\n" + broker.tail(40), e);
        }
    }

    /**
     * The wait after the last restart: bounded, and a timeout is not itself the failure (the
     * ledger's verdict is), but it is noted in the summary line.
     */
    private void drain(String what, Callable<Boolean> done) {
        try {
            await(what).atMost(drainWithin).pollInterval(Duration.ofMillis(50)).until(done);
        } catch (ConditionTimeoutException e) {
            notes.add("timed out waiting for " + what);
        }
    }

    @Override
    public void close() {
        for (FaultClient c : clients) {
            c.close();
        }
        broker.close();
    }
}
