package io.perch.dashboard.alarm;

import io.perch.broker.api.BrokerService;
import io.perch.broker.api.ListenerView;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.status.BackendStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The conditions an alarm is raised for, checked every {@code dashboard.alarms.check_interval}:
 * <ul>
 *   <li>{@code <backend>_pool_down/<pool>}: a storage backend's pool cannot reach its server (the
 *       state the Redis backend page shows);</li>
 *   <li>{@code messages_dropped}: the broker dropped messages since the previous check because a
 *       session queue was full, a message was larger than the client accepts, or a QoS 0 message
 *       found its client away. Messages without subscribers or past their expiry are not counted:
 *       the publisher asked for that;</li>
 *   <li>{@code connections_near_limit/node} and {@code connections_near_limit/<listener>}: more
 *       than 90 % of node.max_connections or of a listener's max_connections are open;</li>
 *   <li>{@code jvm_heap_high/node}: the heap left after garbage collection is above
 *       {@code dashboard.alarms.heap_high_watermark} of the maximum heap, until it is below
 *       {@code dashboard.alarms.heap_low_watermark} ({@link HeapWatch}).</li>
 * </ul>
 *
 * <p>Threads: only the dashboard's alarm timer calls {@link #check}; it owns the counters seen
 * at the previous check and the drops counted while {@code messages_dropped} is raised.
 */
public final class AlarmChecks {
    /** Connections past this share of a limit raise an alarm. */
    static final double NEAR_LIMIT = 0.9;
    static final String DROPPED = "messages_dropped";

    private final BrokerService broker;
    private final AlarmBook book;
    private final LongSupplier clock;
    private long[] lastDrops;
    /** Drops by reason since messages_dropped was raised; null while it is not. */
    private long[] dropsWhileRaised;
    private final HeapWatch heap;

    /** @param heapHigh, heapLow the heap watermarks, shares of the maximum heap ({@code 0 <= low < high <= 1}) */
    public AlarmChecks(BrokerService broker, AlarmBook book, LongSupplier clock, double heapHigh, double heapLow) {
        this(broker, book, clock, new HeapWatch(heapHigh, heapLow, HeapWatch::measure));
    }

    /** With the heap figure given, so the heap rule can be tested without filling a heap. */
    AlarmChecks(BrokerService broker, AlarmBook book, LongSupplier clock, HeapWatch heap) {
        this.broker = broker;
        this.book = book;
        this.clock = clock;
        this.heap = heap;
    }

    /** One check: what is true now raises or keeps its alarm; what is not clears it. */
    public void check() {
        List<Condition> now = new ArrayList<>();
        pools(now);
        drops(now);
        connections(now);
        heap.check(now);
        book.update(now, clock.getAsLong());
    }

    private void pools(List<Condition> out) {
        for (Map.Entry<String, BackendStatus.Snapshot> e : broker.backends().snapshots().entrySet()) {
            String backend = e.getKey();
            for (BackendStatus.Pool p : e.getValue().pools()) {
                if (p.up()) {
                    continue;
                }
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("backend", backend);
                d.put("pool", p.name());
                d.put("servers", p.servers());
                d.put("down_since", p.since() > 0 ? p.since() : null);
                d.put("last_error", p.lastError());
                d.put("backlog", p.backlog());
                out.add(new Condition(backend + "_pool_down/" + p.name(), "The " + label(backend) + " pool " + p.name()
                        + " cannot reach its server (" + String.join(", ", p.servers()) + ")", d));
            }
        }
    }

    private static String label(String backend) {
        return backend.equals("redis") ? "Redis" : backend;
    }

    private static final String[] REASONS = {"queue_full", "too_large", "qos0_offline"};

    private void drops(List<Condition> out) {
        BrokerStats s = broker.stats();
        long[] seen = {s.messagesDroppedQueueFull.sum(), s.messagesDroppedTooLarge.sum(), s.messagesDroppedQos0Offline.sum()};
        long[] last = lastDrops;
        lastDrops = seen;
        if (last == null) {
            return; // the first check only learns where the counters start
        }
        long[] rise = new long[seen.length];
        long total = 0;
        for (int i = 0; i < seen.length; i++) {
            rise[i] = Math.max(0, seen[i] - last[i]);
            total += rise[i];
        }
        if (total == 0) {
            dropsWhileRaised = null;
            return;
        }
        if (dropsWhileRaised == null) {
            dropsWhileRaised = new long[seen.length];
        }
        long sum = 0;
        Map<String, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < seen.length; i++) {
            dropsWhileRaised[i] += rise[i];
            sum += dropsWhileRaised[i];
        }
        d.put("dropped", sum);
        for (int i = 0; i < seen.length; i++) {
            d.put(REASONS[i], dropsWhileRaised[i]);
        }
        d.put("last_check", total);
        out.add(new Condition(DROPPED, "Messages dropped since the alarm was raised: " + sum
                + " (session queue full, too large for the client, or QoS 0 for a client away)", d));
    }

    private void connections(List<Condition> out) {
        List<ListenerView> listeners = broker.listeners();
        int open = 0;
        for (ListenerView l : listeners) {
            open += l.connections();
            near(out, "connections_near_limit/" + l.name(), "listener " + l.name(), l.connections(), l.maxConnections());
        }
        near(out, "connections_near_limit/node", "node.max_connections", open, broker.maxConnections());
    }

    private static void near(List<Condition> out, String name, String what, int open, int max) {
        if (max <= 0 || open <= max * NEAR_LIMIT) {
            return;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("connections", open);
        d.put("max_connections", max);
        d.put("percent", Math.round(open * 1000.0 / max) / 10.0);
        out.add(new Condition(name, "Connections open: " + open + ", more than 90 % of the " + max + " that " + what
                + " allows", d));
    }
}
