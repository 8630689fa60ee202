package io.perch.redis.function;

import io.perch.broker.message.MessageId;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids each client acknowledged in the last {@link #WINDOW_MS} milliseconds, so that a fetch
 * never redelivers a message the session finished while the fetch was reading Redis. The broker
 * drops a fetched message it still holds (queued or in flight); but once the subscriber has
 * acked it the session no longer holds it, and a read that was already on its way back can
 * carry it again. Reads queue behind writes on the pipeline, so any ack older than the read is
 * already applied in Redis: the window only has to cover one read's round trip.
 */
final class RecentAcks {
    static final long WINDOW_MS = 30_000;
    private static final int MAX_PER_CLIENT = 4096;

    private record Entry(MessageId id, long at) {
    }

    private static final class PerClient {
        final ArrayDeque<Entry> order = new ArrayDeque<>();
        final Set<MessageId> ids = new HashSet<>();
        long last;
    }

    private final Map<String, PerClient> clients = new ConcurrentHashMap<>();

    void add(String clientId, MessageId id) {
        long now = System.currentTimeMillis();
        PerClient p = clients.computeIfAbsent(clientId, k -> new PerClient());
        synchronized (p) {
            trim(p, now);
            if (p.ids.add(id)) {
                p.order.addLast(new Entry(id, now));
                if (p.order.size() > MAX_PER_CLIENT) {
                    p.ids.remove(p.order.pollFirst().id());
                }
            }
            p.last = now;
        }
    }

    boolean contains(String clientId, MessageId id) {
        PerClient p = clients.get(clientId);
        if (p == null) {
            return false;
        }
        synchronized (p) {
            trim(p, System.currentTimeMillis());
            return p.ids.contains(id);
        }
    }

    /** Forgets clients with no ack inside the window (run periodically). */
    void sweep() {
        long cutoff = System.currentTimeMillis() - WINDOW_MS;
        clients.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().last < cutoff;
            }
        });
    }

    private static void trim(PerClient p, long now) {
        while (!p.order.isEmpty() && p.order.peekFirst().at() < now - WINDOW_MS) {
            p.ids.remove(p.order.pollFirst().id());
        }
    }
}
