package io.perch.bench.run;

import io.netty.channel.ChannelFuture;
import io.perch.bench.client.BenchClient;
import io.perch.bench.client.ClientEvents;
import io.perch.bench.client.ClientSettings;
import io.perch.bench.client.PublishSpec;
import io.perch.bench.client.SubscribeSpec;
import io.perch.bench.net.Transport;
import io.perch.bench.stats.BenchResult;
import io.perch.bench.stats.Counters;
import io.perch.bench.stats.Latency;
import io.perch.bench.stats.ProcessCpu;
import io.perch.bench.stats.Rss;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One run, in phases on the caller's thread: connect (subscribers first, and wait for their
 * SUBACKs, so no message is published before its subscribers exist), publish or hold, drain
 * (wait until every ack and every owed copy is in, or nothing moved for the drain time), then
 * disconnect. The event loops do all network work; this thread only starts, waits and prints.
 */
public final class BenchRun implements ClientEvents {
    private static final long SUBACK_WAIT_MS = 30_000;
    private static final long MAX_DRAIN_MS = 120_000;

    private final ClientSettings settings;
    private final RunSpec spec;
    private final PrintWriter log;
    private final Counters counters = new Counters();
    private final Latency latency = new Latency();
    private final AtomicLong connected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastOutcomeNanos = new AtomicLong();
    private final Map<String, LongAdder> failureReasons = new ConcurrentHashMap<>();
    private final Map<BenchClient, Boolean> subscribedOk = new ConcurrentHashMap<>();
    /** Topics that got at least one message: each holds one retained message for late subscribers. */
    private final java.util.Set<String> topicsSent = ConcurrentHashMap.newKeySet();
    /** Publishers already counted down: a publisher that finishes and later drops counts once. */
    private final java.util.Set<BenchClient> finished = ConcurrentHashMap.newKeySet();
    /** Opens once the latches below exist, so {@link #awaitSubscribed} can wait on them. */
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile CountDownLatch outcomes;
    private volatile CountDownLatch subAcks;
    private CountDownLatch publishersDone;
    private volatile Connector connector;

    /** @param log where progress and status lines go (stderr on the command line); null for none */
    public BenchRun(ClientSettings settings, RunSpec spec, PrintWriter log) {
        this.settings = settings;
        this.spec = spec;
        this.log = log;
    }

    public BenchResult run() throws InterruptedException {
        if (spec.join() == SubscriberJoin.AWAY && settings.cleanStart()) {
            throw new IllegalArgumentException("subscribers away need persistent sessions: --no-clean "
                    + "(and --session-expiry with MQTT 5)");
        }
        try (Transport transport = new Transport(settings, spec.threads())) {
            List<BenchClient> subs = subscribers(false);
            List<BenchClient> pubs = new ArrayList<>();
            List<BenchClient> idle = new ArrayList<>();
            for (int i = 0; i < spec.publishers(); i++) {
                pubs.add(new BenchClient(i, "pub", settings, this, counters, latency,
                        new PublishSpec(spec.pubTopic(), spec.qos(), spec.payloadSize(), spec.ratePerPub(),
                                spec.countPerPub(), spec.inflight(), spec.retain()), null));
            }
            for (int i = 0; i < spec.idle(); i++) {
                idle.add(new BenchClient(i, "conn", settings, this, counters, latency, null, null));
            }
            // Who connects first: everybody, or (subscribers joining after publishing) all but them.
            List<BenchClient> first = new ArrayList<>();
            if (spec.join() != SubscriberJoin.AFTER) {
                first.addAll(subs);
            }
            if (spec.join() != SubscriberJoin.AWAY) {
                first.addAll(pubs);
                first.addAll(idle);
            }
            publishersDone = new CountDownLatch(spec.countPerPub() > 0 ? pubs.size() : 0);
            status("%s: %d clients to %s:%d (%s%s%s, MQTT %s, %d threads, %s%s)", spec.mode(),
                    subs.size() + pubs.size() + idle.size(), settings.host(), settings.port(),
                    settings.webSocket() ? "ws" : "tcp", settings.tls() ? "+tls" : "",
                    settings.webSocket() ? " " + settings.wsPath() : "",
                    settings.mqttVersion() == 5 ? "5" : "3.1.1", spec.threads(), transport.transportName(),
                    spec.join() == SubscriberJoin.BEFORE ? "" : ", subscribers " + spec.join().name().toLowerCase(
                            java.util.Locale.ROOT));

            long rssBefore = spec.watchPid() > 0 ? Rss.bytes(spec.watchPid()) : -1;
            connector = new Connector(transport, spec.connectInterval(), spec.maxConnecting());
            int attempts = first.size();
            double connectSeconds = connectGroup(first);
            reportFailures();
            long rssAfter = -1;
            if (rssBefore >= 0) {
                // Let the broker finish allocating for the last sessions before sampling.
                Thread.sleep(1000);
                rssAfter = Rss.bytes(spec.watchPid());
            }

            Phase phase;
            List<BenchClient> late = List.of();
            if (pubs.isEmpty()) {
                phase = hold(subs);
            } else if (spec.join() == SubscriberJoin.BEFORE) {
                phase = publish(pubs, subs.isEmpty() ? null : grantedFilters(subs), true);
            } else {
                List<String> filters = null;
                if (spec.join() == SubscriberJoin.AWAY) {
                    // Subscribed; now away, so the broker queues in their sessions what comes next.
                    filters = grantedFilters(subs);
                    disconnect(subs);
                    attempts += pubs.size() + idle.size();
                    connectSeconds += connectGroup(concat(pubs, idle));
                }
                Phase published = publish(pubs, filters, false);
                late = spec.join() == SubscriberJoin.AWAY ? subscribers(true) : subs;
                attempts += late.size();
                phase = rejoin(published, late);
            }
            BenchResult result = new BenchResult(spec.mode(), transport.transportName(), attempts,
                    connected.get(), failed.get(), counters.dropped.sum(), connectSeconds, phase.window,
                    phase.sent, counters.acked.sum(), counters.rejected.sum(),
                    counters.delivered.sum(), counters.duplicates.sum(), counters.outOfOrder.sum(),
                    counters.foreign.sum(), phase.expected, latency.total(), rssBefore, rssAfter);
            disconnect(concat(first, concat(pubs, late)));
            return result;
        }
    }

    /** Subscribing clients; {@code resume}: coming back to their sessions (same client ids, no SUBSCRIBE). */
    private List<BenchClient> subscribers(boolean resume) {
        List<BenchClient> subs = new ArrayList<>();
        for (int i = 0; i < spec.subscribers(); i++) {
            subs.add(new BenchClient(i, "sub", settings, this, counters, latency, null,
                    new SubscribeSpec(spec.subTopic(), spec.subQos(), resume)));
        }
        return subs;
    }

    private static List<BenchClient> concat(List<BenchClient> a, List<BenchClient> b) {
        List<BenchClient> all = new ArrayList<>(a);
        for (BenchClient c : b) {
            if (!all.contains(c)) {
                all.add(c);
            }
        }
        return all;
    }

    /** Connects {@code group}, waits for every outcome and SUBACK; returns the seconds connecting took. */
    private double connectGroup(List<BenchClient> group) throws InterruptedException {
        long t0 = System.nanoTime();
        lastOutcomeNanos.set(t0);
        outcomes = new CountDownLatch(group.size());
        subAcks = new CountDownLatch((int) group.stream().filter(c -> c.filter() != null).count());
        ready.countDown();
        connector.connectAll(group);
        awaitConnects(group.size(), t0);
        if (!subAcks.await(SUBACK_WAIT_MS, TimeUnit.MILLISECONDS)) {
            status("gave up waiting for %d SUBACKs", subAcks.getCount());
        }
        return (lastOutcomeNanos.get() - t0) / 1e9;
    }

    private List<String> grantedFilters(List<BenchClient> subs) {
        List<String> filters = new ArrayList<>();
        for (BenchClient s : subs) {
            if (Boolean.TRUE.equals(subscribedOk.get(s))) {
                filters.add(s.filter());
            }
        }
        return filters;
    }

    /**
     * The subscribers (re)join after every publish was acknowledged; rates run from the start of
     * their connecting to the last copy they received. Owed: with subscribers away, every message
     * once per filter that was subscribed before they left (a lost session shows as lost copies);
     * joining after, the one retained message of each topic, per filter granted now.
     */
    private Phase rejoin(Phase published, List<BenchClient> late)
            throws InterruptedException {
        long joinStart = System.nanoTime();
        double cpuAtJoin = cpu();
        status("subscribers %s", spec.join() == SubscriberJoin.AWAY ? "coming back" : "joining");
        connectGroup(late);
        reportFailures();
        long expected = 0;
        if (spec.join() == SubscriberJoin.AWAY) {
            expected = published.expected;
        } else {
            List<String> filters = grantedFilters(late);
            for (String topic : topicsSent) {
                expected += io.perch.bench.topic.Topics.copiesOwed(topic, filters);
            }
        }
        drain(published.sent, expected, joinStart, new Progress(counters, latency, joinStart));
        long last = joinStart;
        for (BenchClient s : late) {
            last = Math.max(last, s.lastDeliveryNanos());
        }
        BenchResult.Window w = published.window;
        return new Phase(new BenchResult.Window(0, w.publishSeconds(), (last - joinStart) / 1e9, w.sent(), w.acked(),
                counters.delivered.sum(), spent(cpuAtJoin, cpu())), published.sent, expected);
    }


    private record Phase(BenchResult.Window window, long sent, long expected) {
    }

    /** Subscribers receive and idle clients sit, for the run's duration. */
    /**
     * For a caller running this run on another thread: waits until every client has its
     * connect outcome and every subscriber its SUBACK (or failure). False on timeout.
     */
    public boolean awaitSubscribed(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        return ready.await(timeout, unit)
                && outcomes.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)
                && subAcks.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /**
     * Holds the connections for the duration. Subscribers' deliveries are rated over the time
     * they flowed, from the first to the last: another process publishes, for part of the hold
     * (bench/cluster.sh starts its subscribers before the publishers and keeps them past their
     * end), and the whole hold would understate the rate.
     */
    private Phase hold(List<BenchClient> subs) throws InterruptedException {
        long start = System.nanoTime();
        Progress progress = new Progress(counters, latency, start);
        long end = start + TimeUnit.MILLISECONDS.toNanos(spec.durationMillis());
        long now;
        while ((now = System.nanoTime()) < end) {
            Thread.sleep(Math.min(1000, TimeUnit.NANOSECONDS.toMillis(end - now) + 1));
            status("%s", progress.line(spec.subscribers() > 0 ? "receive" : "hold"));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double delivering = deliveringSeconds(subs);
        return new Phase(BenchResult.whole(seconds, delivering > 0 ? delivering : seconds, 0, 0,
                counters.delivered.sum()), 0, -1);
    }

    /** From the first delivery to any of {@code subs} to the last, in seconds; 0 when there were not two. */
    static double deliveringSeconds(List<BenchClient> subs) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (BenchClient s : subs) {
            if (s.firstDeliveryNanos() != 0) {
                first = Math.min(first, s.firstDeliveryNanos());
                last = Math.max(last, s.lastDeliveryNanos());
            }
        }
        return first == Long.MAX_VALUE || last <= first ? 0 : (last - first) / 1e9;
    }

    /**
     * Publishes, then waits for the acks and, with {@code copiesNow}, for the owed copies.
     *
     * @param filters the subscriptions owed copies of what is sent, null when nobody is (pub)
     */
    private Phase publish(List<BenchClient> pubs, List<String> filters, boolean copiesNow) throws InterruptedException {
        long start = System.nanoTime();
        double cpuFrom = cpu();
        Progress progress = new Progress(counters, latency, start);
        pubs.forEach(BenchClient::startPublishing);
        long end = spec.durationMillis() > 0 ? start + TimeUnit.MILLISECONDS.toNanos(spec.durationMillis())
                : Long.MAX_VALUE;
        long warmupEnd = spec.warmupMillis() > 0 ? start + TimeUnit.MILLISECONDS.toNanos(spec.warmupMillis()) : 0;
        Snapshot from = null;
        long nextLine = start + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            long now = System.nanoTime();
            if (from == null && warmupEnd > 0 && now >= warmupEnd) {
                // Rates and latency count from here; totals, share and duplicates still cover everything.
                latency.reset();
                from = Snapshot.take(counters, now);
                cpuFrom = cpu();
                status("warm-up over after %.1f s", (now - start) / 1e9);
            }
            if (now >= end) {
                break;
            }
            long waitNanos = Math.min(Math.min(end, nextLine), from == null && warmupEnd > 0 ? warmupEnd : end) - now;
            if (spec.countPerPub() > 0) {
                if (publishersDone.await(waitNanos, TimeUnit.NANOSECONDS)) {
                    break;
                }
            } else {
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            }
            if (System.nanoTime() >= nextLine) {
                status("%s", progress.line(from == null && warmupEnd > 0 ? "warm-up" : "publish"));
                nextLine += TimeUnit.SECONDS.toNanos(1);
            }
        }
        long sent = 0;
        long expected = filters == null ? -1 : 0;
        for (BenchClient p : pubs) {
            long n = p.stopPublishing().join();
            sent += n;
            if (n > 0) {
                topicsSent.add(p.topic());
            }
            if (filters != null) {
                expected += n * io.perch.bench.topic.Topics.copiesOwed(p.topic(), filters);
            }
        }
        long pubEnd = System.nanoTime();
        Snapshot atEnd = Snapshot.take(counters, pubEnd);
        long lastDelivery = drain(sent, copiesNow ? expected : -1, pubEnd, progress);
        if (from == null) {
            from = new Snapshot(start, 0, 0, 0);
        }
        BenchResult.Window window = new BenchResult.Window((from.nanos - start) / 1e9, (pubEnd - from.nanos) / 1e9,
                (Math.max(pubEnd, lastDelivery) - from.nanos) / 1e9, atEnd.sent - from.sent,
                atEnd.acked - from.acked, counters.delivered.sum() - from.delivered, spent(cpuFrom, cpu()));
        return new Phase(window, sent, expected);
    }

    /** CPU seconds of the watched process so far, -1 when none is watched (or it is gone). */
    private double cpu() {
        return spec.watchPid() > 0 ? ProcessCpu.seconds(spec.watchPid()) : -1;
    }

    /** CPU used between two readings of {@link #cpu()}; -1 when either is missing. */
    static double spent(double from, double to) {
        return from < 0 || to < 0 ? -1 : to - from;
    }

    /** Counter values at one instant, to take rates over a window. */
    private record Snapshot(long nanos, long sent, long acked, long delivered) {
        static Snapshot take(Counters c, long nanos) {
            return new Snapshot(nanos, c.sent.sum(), c.acked.sum(), c.delivered.sum());
        }
    }

    /** Waits for outstanding acks and owed copies; returns when the last delivery was seen. */
    private long drain(long sent, long expected, long pubEnd, Progress progress) throws InterruptedException {
        long lastDelivered = counters.delivered.sum();
        long lastAcked = counters.acked.sum();
        long lastChange = pubEnd;
        long lastDelivery = pubEnd;
        long nextLine = pubEnd + TimeUnit.SECONDS.toNanos(1);
        long drainNanos = TimeUnit.MILLISECONDS.toNanos(spec.drainMillis());
        while (true) {
            long now = System.nanoTime();
            long delivered = counters.delivered.sum();
            long acked = counters.acked.sum();
            if (delivered != lastDelivered) {
                lastDelivery = now;
            }
            if (delivered != lastDelivered || acked != lastAcked) {
                lastChange = now;
                lastDelivered = delivered;
                lastAcked = acked;
            }
            boolean acksIn = spec.qos() == 0 || acked >= sent;
            boolean copiesIn = expected < 0 || counters.uniqueDelivered() >= expected;
            if ((acksIn && copiesIn) || now - lastChange > drainNanos
                    || now - pubEnd > TimeUnit.MILLISECONDS.toNanos(MAX_DRAIN_MS)) {
                return lastDelivery;
            }
            if (now >= nextLine) {
                status("%s", progress.line("drain"));
                nextLine += TimeUnit.SECONDS.toNanos(1);
            }
            Thread.sleep(5);
        }
    }

    private void awaitConnects(int total, long t0) throws InterruptedException {
        while (!outcomes.await(1, TimeUnit.SECONDS)) {
            status("[%5.1fs] connect  %d established, %d failed, of %d", (System.nanoTime() - t0) / 1e9,
                    connected.get(), failed.get(), total);
        }
    }

    private void reportFailures() {
        failureReasons.forEach((reason, n) -> status("connect failed %d x: %s", n.sum(), reason));
    }

    private void disconnect(List<BenchClient> all) {
        List<ChannelFuture> closing = new ArrayList<>();
        for (BenchClient c : all) {
            ChannelFuture f = c.disconnect();
            if (f != null) {
                closing.add(f);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ChannelFuture f : closing) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left) + 1)) {
                break;
            }
        }
    }

    private void status(String format, Object... args) {
        if (log != null && spec.progress()) {
            log.println(String.format(java.util.Locale.ROOT, format, args));
            log.flush();
        }
    }

    // ClientEvents: called on event loops; they count and count down only.

    @Override
    public void connected(BenchClient client) {
        connected.incrementAndGet();
        lastOutcomeNanos.accumulateAndGet(System.nanoTime(), Math::max);
        connector.outcome();
        outcomes.countDown();
    }

    @Override
    public void connectFailed(BenchClient client, String reason) {
        failed.incrementAndGet();
        lastOutcomeNanos.accumulateAndGet(System.nanoTime(), Math::max);
        failureReasons.computeIfAbsent(reason, r -> new LongAdder()).increment();
        connector.outcome();
        outcomes.countDown();
        if (client.filter() != null) {
            subAcks.countDown();
        }
        publisherFinished(client);
    }

    @Override
    public void subscribed(BenchClient client, boolean granted) {
        subscribedOk.put(client, granted);
        if (!granted) {
            failureReasons.computeIfAbsent("subscription refused (or, coming back, the session was not kept)",
                    r -> new LongAdder()).increment();
        }
        subAcks.countDown();
    }

    @Override
    public void dropped(BenchClient client, String reason) {
        counters.dropped.increment();
        // A dropped publisher will never finish its count; do not wait for it.
        publisherFinished(client);
    }

    @Override
    public void publisherDone(BenchClient client) {
        publisherFinished(client);
    }

    private void publisherFinished(BenchClient client) {
        if (client.topic() != null && spec.countPerPub() > 0 && finished.add(client)) {
            publishersDone.countDown();
        }
    }
}
