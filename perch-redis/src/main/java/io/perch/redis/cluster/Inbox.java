package io.perch.redis.cluster;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.cluster.ClusterInbound;
import io.perch.broker.cluster.InboxPosition;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.client.RedisLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import static io.perch.redis.codec.Keys.str;

/**
 * Reads this node's inbox ({@code perch:cluster:inbox:<me>}) in consumer group {@code perch} as
 * consumer {@code <me>}, on a connection of its own (a blocking XREADGROUP would stall the
 * pool's pipeline). On start, and after any failure, it first reads its own pending entries
 * (delivered to it before a crash or an outage, never acknowledged), then new ones.
 *
 * <p>Entries are handled in stream order: messages are handed to {@link ClusterInbound#deliver}
 * in that order (so order per publisher holds) without waiting for earlier delivers (reads go
 * on while they are stored, up to {@value #MAX_IN_FLIGHT} in flight), and entries are
 * acknowledged in order, each only once its deliver and every earlier one completed. A
 * {@code release} waits for the delivers before it, then
 * {@link ClusterInbound#release}, then answers {@code released} to the requester. A
 * {@code released} completes the matching {@link #requestRelease}.
 *
 * <p>Within one run of the node an entry is handed on once: the reader remembers the last
 * entry it handed on ({@code handedUpTo}), and an entry read again at or below it (its XACK
 * failed, or a Redis failover lost the group's position or the acknowledgements, so Redis
 * offers it again) is only acknowledged, not delivered again. Only a deliver that failed
 * rewinds that mark, so the failed entry and those after it are delivered again. Across a
 * crash of the node delivery is at least once: an entry delivered and not yet acknowledged is
 * delivered again by the next run, or by the node that reaps this one. Entries read again are
 * counted ({@code perch.cluster.inbox.redelivered}, only those handed on again).
 *
 * <p>Redis down: logged once per outage, retried with a growing pause; the group keeps the
 * position, and nothing read is lost (it stays pending until acknowledged).
 *
 * <p>Threads: the reader thread ({@code perch-cluster-inbox}) owns the connection and the
 * position; {@link #requestRelease} runs on any thread (the waiting releases are a concurrent
 * map); {@link #drainDeadNode} runs on the given executor with a connection of its own.
 */
public final class Inbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Inbox.class);
    static final int PAGE = 100;
    private static final long BLOCK_MS = 1000;
    /** The read's BLOCK while delivers are in flight, so that their acks are not held back long. */
    private static final long BUSY_BLOCK_MS = 10;
    /** Delivers in flight before the reader waits for the oldest (bounds what a redelivery repeats). */
    static final int MAX_IN_FLIGHT = 1000;
    private static final long MIN_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 2000;
    /** Beyond the BLOCK itself: how long a reply may take before the read counts as failed. */
    private static final long REPLY_MS = 10_000;

    private final String me;
    private final PoolConnector connector;
    private final Outbox outbox;
    private final Function<String, CompletionStage<Boolean>> alive;
    private final Duration takeoverTimeout;
    private final Executor drainer;
    private final Map<String, CompletableFuture<Void>> releases = new ConcurrentHashMap<>();
    private final Counter forwardedIn;
    private final Counter redelivered;
    private volatile long lag;
    private volatile boolean closing;
    private Thread reader;

    /**
     * @param alive           whether a node is alive ({@link Membership#alive})
     * @param takeoverTimeout how long a release may take, here and at the other end
     * @param drainer         where {@link #drainDeadNode} runs (it blocks while it reads)
     * @param registry        where the counters and the lag gauge go; null for none
     */
    public Inbox(String me, PoolConnector connector, Outbox outbox, Function<String, CompletionStage<Boolean>> alive,
                 Duration takeoverTimeout,
                 Executor drainer, MeterRegistry registry) {
        this.me = me;
        this.connector = connector;
        this.outbox = outbox;
        this.alive = alive;
        this.takeoverTimeout = takeoverTimeout;
        this.drainer = drainer;
        MeterRegistry reg = registry == null ? new io.micrometer.core.instrument.simple.SimpleMeterRegistry() : registry;
        this.forwardedIn = Counter.builder("perch.cluster.forwarded.in")
                .description("messages delivered from this node's inbox").register(reg);
        this.redelivered = Counter.builder("perch.cluster.inbox.redelivered")
                .description("inbox entries read again after a crash or failure (at-least-once)").register(reg);
        Gauge.builder("perch.cluster.inbox.lag", this, i -> i.lag)
                .description("entries of this node's inbox not yet read or not yet acknowledged").register(reg);
    }

    /** Starts reading; messages and releases go to {@code inbound}. */
    public synchronized void start(ClusterInbound inbound) {
        if (reader != null) {
            throw new IllegalStateException("inbox already started");
        }
        reader = new Thread(() -> run(inbound), "perch-cluster-inbox");
        reader.setDaemon(true);
        reader.start();
    }

    /** Entries not yet read plus read and not acknowledged, as of the last look (at most a second old). */
    public long lag() {
        return lag;
    }

    /**
     * Asks {@code node} to let {@code clientId} go; completes on its answer, at once when it is
     * not alive (or is this node), after the takeover timeout, or when the request could not be
     * sent (the fence protects the session from the old owner's writes either way).
     */
    public CompletionStage<Void> requestRelease(String node, String clientId) {
        if (node == null || node.equals(me)) {
            return CompletableFuture.completedFuture(null);
        }
        return alive.apply(node).thenCompose(live -> live ? ask(node, clientId) : CompletableFuture.completedFuture(null));
    }

    private CompletionStage<Void> ask(String node, String clientId) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        releases.put(id, answered);
        answered.whenComplete((v, e) -> releases.remove(id));
        outbox.sendControl(node, new InboxRecord.Release(clientId, me, id)).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("cannot ask node {} to release client {}: {}; taking it over regardless", node, clientId,
                        String.valueOf(e));
                answered.complete(null);
            }
        });
        return answered.completeOnTimeout(null, takeoverTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An entry handed on and not yet acknowledged: acknowledged, in order, once {@code done}. */
    private record InFlight(String id, CompletableFuture<Void> done) {
    }

    private void run(ClusterInbound inbound) {
        byte[] key = InboxKeys.inbox(me);
        ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        Handed handed = new Handed();
        RedisLink link = null;
        String pendingFrom = "0-0"; // null: reading new entries
        boolean down = false;
        long backoff = MIN_BACKOFF_MS;
        long lagAt = 0;
        while (!closing) {
            try {
                if (link == null) {
                    link = connector.connect();
                    createGroup(link.commands(), key);
                }
                RedisClusterAsyncCommands<byte[], byte[]> redis = link.commands();
                List<StreamMessage<byte[], byte[]>> page = read(redis, key, pendingFrom, !inFlight.isEmpty());
                if (down) {
                    down = false;
                    log.info("cluster inbox {}: Redis answers again; reading on", me);
                }
                backoff = MIN_BACKOFF_MS;
                int handedOn = handle(redis, key, me, page, inbound, handed, inFlight);
                if (pendingFrom != null) {
                    redelivered.increment(handedOn); // delivered before, by a crashed run or before a failed deliver
                    pendingFrom = page.isEmpty() ? null : page.get(page.size() - 1).getId();
                }
                ackDone(redis, key, inFlight, MAX_IN_FLIGHT);
                if (System.nanoTime() - lagAt > 1_000_000_000L) {
                    lag = lag(redis, key);
                    lagAt = System.nanoTime();
                }
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                if (closing) {
                    break;
                }
                if (!down) {
                    down = true;
                    log.warn("cluster inbox {}: cannot read, deliver or acknowledge ({}); retrying until Redis "
                            + "answers, from the first entry not acknowledged", me, String.valueOf(e));
                }
                if (e instanceof DeliverFailed f) {
                    // That entry and every later one are delivered again; earlier ones were acknowledged.
                    handed.rewind(f.entryId);
                    inFlight.clear();
                }
                // Read again from the first entry not acknowledged; those handed on already are only acknowledged.
                pendingFrom = "0-0";
                if (pause(backoff)) {
                    break;
                }
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
        if (link != null) {
            link.close();
        }
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis); // backoff between retries, not a wait for a condition
            return closing;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** Creates the group (and the stream) reading from the start: entries added before the group are read too. */
    private static void createGroup(RedisClusterAsyncCommands<byte[], byte[]> redis, byte[] key) throws Exception {
        try {
            redis.xgroupCreate(XReadArgs.StreamOffset.from(key, "0-0"), utf8(InboxKeys.GROUP),
                    XGroupCreateArgs.Builder.mkstream()).get(REPLY_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RedisBusyException) && !String.valueOf(e.getCause().getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    /**
     * Own pending entries after {@code pendingFrom} (no blocking), or new ones when it is null:
     * blocking up to a second, or briefly while delivers are in flight (their acks wait for the
     * next turn of the loop).
     */
    private List<StreamMessage<byte[], byte[]>> read(RedisClusterAsyncCommands<byte[], byte[]> redis, byte[] key,
                                                     String pendingFrom, boolean busy) throws Exception {
        XReadArgs args = pendingFrom != null ? XReadArgs.Builder.count(PAGE)
                : XReadArgs.Builder.count(PAGE).block(busy ? BUSY_BLOCK_MS : BLOCK_MS);
        XReadArgs.StreamOffset<byte[]> from = pendingFrom != null ? XReadArgs.StreamOffset.from(key, pendingFrom)
                : XReadArgs.StreamOffset.lastConsumed(key);
        List<StreamMessage<byte[], byte[]>> page = redis.xreadgroup(Consumer.from(utf8(InboxKeys.GROUP), utf8(me)),
                args, from).get(BLOCK_MS + REPLY_MS, TimeUnit.MILLISECONDS);
        return page == null ? List.of() : page;
    }

    /**
     * Hands a page on in order, adding each entry to {@code inFlight}. {@code handed}: this
     * node's own inbox, where entries handed on before are skipped (only acknowledged); null for
     * the inbox of a dead node, whose control records concern nobody now. Returns how many
     * entries it handed on.
     */
    private int handle(RedisClusterAsyncCommands<byte[], byte[]> redis, byte[] key, String inbox,
                        List<StreamMessage<byte[], byte[]>> page, ClusterInbound inbound, Handed handed,
                        ArrayDeque<InFlight> inFlight) throws Exception {
        boolean drained = handed == null;
        int handedOn = 0;
        for (StreamMessage<byte[], byte[]> m : page) {
            if (handed != null && handed.already(m.getId())) {
                if (!handed.waiting(inFlight, m.getId())) {
                    inFlight.add(new InFlight(m.getId(), DONE)); // its XACK was lost: acknowledge it again
                }
                continue;
            }
            handedOn++;
            CompletableFuture<Void> done = DONE;
            if (m.getBody() != null) { // null: trimmed away (MAXLEN) while pending, nothing to deliver
                InboxRecord r = StreamCodec.decode(m.getBody());
                if (r instanceof InboxRecord.Forwarded f) {
                    // Where it was read: a session that took this entry before a crash does not take it again.
                    done = inbound.deliver(f.forward().readAt(InboxPosition.of(inbox, m.getId()))).toCompletableFuture();
                    forwardedIn.increment();
                } else if (r instanceof InboxRecord.Release rel && !drained) {
                    ackDone(redis, key, inFlight, 0); // what came before the release is stored before it goes
                    release(inbound, rel);
                } else if (r instanceof InboxRecord.Released answer && !drained) {
                    CompletableFuture<Void> waiting = releases.get(answer.requestId());
                    if (waiting != null) {
                        waiting.complete(null);
                    }
                } else if (r instanceof InboxRecord.Unknown u) {
                    log.debug("cluster inbox {}: skipping an entry of type {}", me, u.type());
                }
            }
            inFlight.add(new InFlight(m.getId(), done));
            if (handed != null) {
                // Marked once handled: a release that failed half way is handled again when re-read.
                handed.mark(m.getId());
            }
        }
        return handedOn;
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** A deliver failed: that entry, and every one after it, must be delivered again. */
    private static final class DeliverFailed extends Exception {
        final String entryId;

        DeliverFailed(String entryId, Throwable cause) {
            super("delivering inbox entry " + entryId + " failed: " + cause, cause);
            this.entryId = entryId;
        }
    }

    /**
     * The last entry of this node's inbox handed on in this run (reader thread only). Stream ids
     * only grow, and entries are handed on in order, so one id tells which were.
     */
    private static final class Handed {
        private long ms = -1;
        private long seq = -1;

        /** True when {@code id} is at or before the last entry handed on. */
        boolean already(String id) {
            int dash = id.indexOf('-');
            long m = Long.parseLong(id, 0, dash, 10);
            long s = Long.parseLong(id, dash + 1, id.length(), 10);
            return m < ms || (m == ms && s <= seq);
        }

        /** {@code id} was handed on (entries are handed on in stream order). */
        void mark(String id) {
            int dash = id.indexOf('-');
            ms = Long.parseLong(id, 0, dash, 10);
            seq = Long.parseLong(id, dash + 1, id.length(), 10);
        }

        /** The entries from {@code failedId} on were not all delivered: they are handed on again. */
        void rewind(String failedId) {
            int dash = failedId.indexOf('-');
            ms = Long.parseLong(failedId, 0, dash, 10);
            seq = Long.parseLong(failedId, dash + 1, failedId.length(), 10) - 1;
        }

        /** Whether {@code id} still waits in {@code inFlight} for its deliver (its ack will come). */
        boolean waiting(ArrayDeque<InFlight> inFlight, String id) {
            for (InFlight f : inFlight) {
                if (f.id().equals(id)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Acknowledges, in one XACK, the entries at the head of {@code inFlight} whose deliver
     * completed, waiting for the head while more than {@code keep} are in flight. A failed
     * deliver fails the loop's turn (the entries are read again).
     */
    private void ackDone(RedisClusterAsyncCommands<byte[], byte[]> redis, byte[] key, ArrayDeque<InFlight> inFlight,
                         int keep) throws Exception {
        List<String> ids = new ArrayList<>();
        while (!inFlight.isEmpty()) {
            InFlight head = inFlight.peek();
            if (!head.done().isDone()) {
                if (inFlight.size() <= keep) {
                    break;
                }
                await(head.done());
            }
            try {
                head.done().get();
            } catch (ExecutionException e) {
                throw new DeliverFailed(head.id(), e.getCause());
            }
            ids.add(inFlight.poll().id());
        }
        if (!ids.isEmpty()) {
            redis.xack(key, utf8(InboxKeys.GROUP), ids.toArray(String[]::new)).get(REPLY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Lets the client go (waiting at most the takeover timeout), then answers the requester. */
    private void release(ClusterInbound inbound, InboxRecord.Release rel) throws Exception {
        try {
            inbound.release(rel.clientId()).toCompletableFuture().get(takeoverTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // The new owner goes on after its own timeout anyway; the fence keeps this node's late writes out.
            log.warn("cluster inbox {}: releasing client {} for node {} did not complete ({}); answering regardless",
                    me, rel.clientId(), rel.fromNode(), String.valueOf(e));
        }
        outbox.sendControl(rel.fromNode(), new InboxRecord.Released(rel.clientId(), rel.requestId()))
                .toCompletableFuture().get(REPLY_MS, TimeUnit.MILLISECONDS);
    }

    /** Waits for a deliver, giving up when closing. */
    private void await(CompletableFuture<Void> f) throws Exception {
        while (true) {
            try {
                f.get(1, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException e) {
                if (closing) {
                    throw new InterruptedException("closing");
                }
            } catch (ExecutionException e) {
                return; // the caller reads the failure
            }
        }
    }

    /** XINFO GROUPS: the group's lag (not yet delivered) plus its pending entries. */
    private static long lag(RedisClusterAsyncCommands<byte[], byte[]> redis, byte[] key) throws Exception {
        List<Object> groups = redis.xinfoGroups(key).get(REPLY_MS, TimeUnit.MILLISECONDS);
        for (Object g : groups) {
            if (!(g instanceof List<?> fields)) {
                continue;
            }
            String name = null;
            long pending = 0;
            long lag = 0;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String f = text(fields.get(i));
                Object v = fields.get(i + 1);
                if ("name".equals(f)) {
                    name = text(v);
                } else if ("pending".equals(f) && v instanceof Number n) {
                    pending = n.longValue();
                } else if ("lag".equals(f) && v instanceof Number n) {
                    lag = n.longValue();
                }
            }
            if (InboxKeys.GROUP.equals(name)) {
                return pending + lag;
            }
        }
        return 0;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? str(b) : String.valueOf(o);
    }

    /**
     * Delivers what a dead node's inbox holds (its pending entries, claimed with XAUTOCLAIM, then
     * those never delivered) through {@code inbound}, in order, acknowledging each page, then
     * deletes the stream. Control records there concern nobody now (a requester does not wait
     * for a dead node) and are skipped.
     */
    public CompletionStage<Void> drainDeadNode(String deadNode, ClusterInbound inbound) {
        return CompletableFuture.runAsync(() -> {
            try (RedisLink link = connector.connect()) {
                drain(link.commands(), deadNode, inbound);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException("draining the inbox of node " + deadNode
                        + " failed: " + e, e);
            }
        }, drainer);
    }

    private void drain(RedisClusterAsyncCommands<byte[], byte[]> redis, String deadNode, ClusterInbound inbound)
            throws Exception {
        byte[] key = InboxKeys.inbox(deadNode);
        if (redis.exists(key).get(REPLY_MS, TimeUnit.MILLISECONDS) == 0) {
            return;
        }
        createGroup(redis, key);
        Consumer<byte[]> consumer = Consumer.from(utf8(InboxKeys.GROUP), utf8(me));
        ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        String start = "0-0";
        do {
            ClaimedMessages<byte[], byte[]> claimed = redis.xautoclaim(key,
                    XAutoClaimArgs.Builder.xautoclaim(consumer, Duration.ZERO, start).count(PAGE))
                    .get(REPLY_MS, TimeUnit.MILLISECONDS);
            handle(redis, key, deadNode, claimed.getMessages(), inbound, null, inFlight);
            ackDone(redis, key, inFlight, MAX_IN_FLIGHT);
            start = claimed.getId();
        } while (!"0-0".equals(start));
        while (true) {
            List<StreamMessage<byte[], byte[]>> page = redis.xreadgroup(consumer, XReadArgs.Builder.count(PAGE),
                    XReadArgs.StreamOffset.lastConsumed(key)).get(REPLY_MS, TimeUnit.MILLISECONDS);
            if (page == null || page.isEmpty()) {
                break;
            }
            handle(redis, key, deadNode, page, inbound, null, inFlight);
            ackDone(redis, key, inFlight, MAX_IN_FLIGHT);
        }
        ackDone(redis, key, inFlight, 0);
        redis.del(key).get(REPLY_MS, TimeUnit.MILLISECONDS);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Stops reading (what was read and not acknowledged is read again next start) and lets waiting takeovers go on. */
    @Override
    public void close() {
        closing = true;
        Thread t;
        synchronized (this) {
            t = reader;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        releases.values().forEach(f -> f.complete(null));
    }
}
