package io.perch.server.fault;

import org.awaitility.core.ConditionTimeoutException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;

/**
 * One fault run: a broker, a persistent subscriber on a QoS 1 topic (by default
 * {@value #TOPIC_QOS1}) and a QoS 2 topic (by default {@value #TOPIC_QOS2}), one persistent
 * publisher per topic at that QoS. While they
 * run the broker is killed with SIGKILL and restarted {@code kills} times, or a test's own
 * {@link Fault}s happen (Redis killed, a failover), each once a further share of the messages
 * is acknowledged (so faults land in the middle of the traffic, whatever the machine's speed). After the last restart it waits, bounded, for the publishers
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
        // Extra lines for a long run, e.g. -Dperch.fault.config='persistence.linger = 0' (';' between lines).
        for (String line : System.getProperty("perch.fault.config", "").split(";")) {
            if (!line.isBlank()) {
                config.add(line.strip());
            }
        }
        broker = BrokerProcess.start(home, "fault@127.0.0.1", config);
        subscriber = new FaultSubscriber("fault-sub", broker::port, ledger, new String[] {topicQos1, topicQos2}, new int[] {1, 2});
        clients.add(subscriber);
        publishers.add(new FaultPublisher("fault-pub-q1", broker::port, ledger, topicQos1, 1, messagesPerPublisher));
        publishers.add(new FaultPublisher("fault-pub-q2", broker::port, ledger, topicQos2, 2, messagesPerPublisher));
        clients.addAll(publishers);
    }

    /**
     * What happens at each of a run's thresholds. {@link #BROKER_KILL} is the broker's SIGKILL and
     * restart; a test supplies others (Redis killed and restarted, a Sentinel failover). A fault
     * returns when the run may go on; the next threshold then waits for the traffic to resume.
     */
    @FunctionalInterface
    interface Fault {
        void inject() throws Exception;
    }

    /** Marker for the broker's own kill, which the run does itself (it knows the clients). */
    static final Fault BROKER_KILL = () -> {
        throw new UnsupportedOperationException("handled by CrashRun");
    };

    Result run(int kills) throws Exception {
        return run(Collections.nCopies(kills, BROKER_KILL));
    }

    /** The faults in order, each once a further share of the messages is acknowledged. */
    Result run(List<Fault> faults) throws Exception {
        subscriber.start();
        // The subscription exists before the first PUBLISH, so every acknowledged message has a subscriber.
        step("the subscriber's first connection", () -> subscriber.sessionPresent().size() == 1 && subscriber.connected());
        publishers.forEach(FaultPublisher::start);
        long total = publishers.stream().mapToLong(FaultPublisher::count).sum();
        int kills = 0;
        for (int f = 1; f <= faults.size(); f++) {
            long threshold = total * f / (faults.size() + 1);
            step("fault " + f + ": " + threshold + " of " + total + " acknowledged", () -> ledger.ackedCount() >= threshold);
            Fault fault = faults.get(f - 1);
            if (fault != BROKER_KILL) {
                fault.inject();
                continue;
            }
            kills++;
            // Counted from here, not from the start: a client may also have reconnected for other
            // reasons (a v3 publisher is disconnected when a write is refused).
            Map<FaultClient, Integer> before = new HashMap<>();
            clients.forEach(c -> before.put(c, c.sessionPresent().size()));
            broker.kill9();
            broker.restart();
            // Every client back on the new broker before the next fault, so each restart is a CONNACK to check.
            step("restart " + kills + ": every client reconnected", () -> clients.stream()
                    .allMatch(c -> c.connected() && c.sessionPresent().size() > before.get(c)));
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
                broker.tail(30) + "\nbroker timeline (every start):\n" + broker.timeline(80));
    }

    Ledger ledger() {
        return ledger;
    }

    List<FaultPublisher> publishers() {
        return publishers;
    }

    BrokerProcess broker() {
        return broker;
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
