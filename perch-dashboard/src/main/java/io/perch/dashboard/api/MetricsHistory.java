package io.perch.dashboard.api;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.perch.broker.api.BrokerService;
import io.perch.broker.stats.BrokerStats;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's chart figures over the last {@link #CAPACITY} samples (one hour at the default
 * {@code dashboard.history_interval} of 5 s), so charts survive page switches and reloads:
 * {@code GET /api/v4/metrics/history?since=<unix ms>}.
 *
 * <p>Threads: the ring buffer and the previous counters belong to the dashboard plugin's
 * {@code perch-dashboard-stats} timer thread, the only caller of {@link #sample()} (tests
 * submit to that thread too, through {@code DashboardPlugin.sampleHistory()}). After each
 * sample that thread publishes an immutable copy through a volatile field; HTTP threads read
 * only that copy.
 */
public final class MetricsHistory {
    public static final int CAPACITY = 720;
    static final String REDIS_LATENCY = "backend.redis.latency";
    static final String REDIS_BACKLOG = "backend.redis.backlog";

    private final BrokerService broker;
    private final MeterRegistry registry;
    private final Clock clock;
    private final long intervalMillis;
    private final Json json;

    // Confined to the sampling thread.
    private final Map<String, Object>[] ring;
    private int next;
    private int size;
    private long prevTs = -1;
    private long prevReceived;
    private long prevSent;
    private long prevDropped;
    private long prevLatencyCount = -1;
    private double prevLatencyMillis;

    // Written by the sampling thread only, read by any.
    private volatile List<Map<String, Object>> published = List.of();

    @SuppressWarnings("unchecked")
    public MetricsHistory(BrokerService broker, MeterRegistry registry, Clock clock, long intervalMillis, Json json) {
        this.broker = broker;
        this.registry = registry;
        this.clock = clock;
        this.intervalMillis = intervalMillis;
        this.json = json;
        this.ring = new Map[CAPACITY];
    }

    /** Takes one sample now (on the sampling thread only). */
    public void sample() {
        long ts = clock.millis();
        BrokerStats s = broker.stats();
        BrokerStats.Gauges g = s.gauges();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ts", ts);
        if (g != null) {
            m.put("connections", g.connections());
            m.put("sessions", g.sessions());
            m.put("subscriptions", g.subscriptions());
        }
        long received = s.messagesReceived.sum();
        long sent = s.messagesSent.sum();
        long dropped = s.messagesDropped.sum();
        double seconds = (ts - prevTs) / 1000.0;
        boolean rates = prevTs >= 0 && seconds > 0;
        if (rates) {
            m.put("received_rate", rate(received - prevReceived, seconds));
            m.put("sent_rate", rate(sent - prevSent, seconds));
            m.put("dropped_rate", rate(dropped - prevDropped, seconds));
        }
        Collection<Timer> timers = registry.find(REDIS_LATENCY).timers();
        if (!timers.isEmpty()) {
            long count = 0;
            double millis = 0;
            for (Timer t : timers) {
                count += t.count();
                millis += t.totalTime(TimeUnit.MILLISECONDS);
            }
            // The mean of the interval; unknown on the first sample and when nothing was sent to Redis.
            if (prevLatencyCount >= 0 && count > prevLatencyCount) {
                m.put("redis_latency_ms", round((millis - prevLatencyMillis) / (count - prevLatencyCount)));
            }
            prevLatencyCount = count;
            prevLatencyMillis = millis;
        }
        Collection<Gauge> backlog = registry.find(REDIS_BACKLOG).gauges();
        if (!backlog.isEmpty()) {
            double sum = 0;
            for (Gauge b : backlog) {
                double v = b.value();
                sum += Double.isNaN(v) ? 0 : v;
            }
            m.put("redis_backlog", (long) sum);
        }
        prevTs = ts;
        prevReceived = received;
        prevSent = sent;
        prevDropped = dropped;

        ring[next] = m;
        next = (next + 1) % CAPACITY;
        size = Math.min(size + 1, CAPACITY);
        List<Map<String, Object>> copy = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            copy.add(ring[(next - size + i + CAPACITY) % CAPACITY]);
        }
        published = List.copyOf(copy);
    }

    /** The samples taken after {@code since} (epoch ms), oldest first. */
    public List<Map<String, Object>> since(long since) {
        List<Map<String, Object>> all = published;
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> m : all) {
            if ((long) m.get("ts") > since) {
                out.add(m);
            }
        }
        return out;
    }

    /** {@code GET /api/v4/metrics/history?since=<unix ms>}. */
    public Response history(Request req) {
        long since = 0;
        String q = req.query("since");
        if (q != null && !q.isBlank()) {
            try {
                since = Long.parseLong(q.trim());
            } catch (NumberFormatException e) {
                throw io.perch.dashboard.http.ApiException.badParam("since must be a time in Unix milliseconds");
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("interval_ms", intervalMillis);
        data.put("capacity", CAPACITY);
        data.put("samples", since(since));
        return json.ok(data);
    }

    private static double rate(long delta, double seconds) {
        return round(Math.max(0, delta) / seconds);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
