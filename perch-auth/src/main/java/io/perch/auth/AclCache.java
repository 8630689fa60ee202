package io.perch.auth;

import io.perch.broker.hook.event.AclCheckEvent;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * ACL decisions per connected client, as EMQ X keeps them ({@code enable_acl_cache},
 * {@code acl_cache_max_size} per client, {@code acl_cache_ttl}): a client publishing to the same
 * few topics is checked once per TTL, not per message. Any source whose rules change
 * invalidates everything (a generation number: entries from an older one are misses); a
 * client's entries go when it disconnects.
 *
 * <p>Threads: a client's entries are used by its connection's event loop and dropped by the
 * thread that handles its disconnect or a reload; each client's map is guarded by itself.
 */
final class AclCache {
    private record Entry(AclCheckEvent.Decision decision, long expiresAt, long generation) {
    }

    private final boolean enabled;
    private final int maxPerClient;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final AtomicLong generation = new AtomicLong();
    private final Map<String, Map<String, Entry>> clients = new ConcurrentHashMap<>();

    AclCache(boolean enabled, int maxPerClient, java.time.Duration ttl, LongSupplier nanoClock) {
        this.enabled = enabled && maxPerClient > 0;
        this.maxPerClient = maxPerClient;
        this.ttlNanos = ttl.toNanos();
        this.clock = nanoClock;
    }

    long generation() {
        return generation.get();
    }

    AclCheckEvent.Decision get(String clientId, AclCheckEvent.Action action, String topic) {
        if (!enabled) {
            return null;
        }
        Map<String, Entry> m = clients.get(clientId);
        if (m == null) {
            return null;
        }
        synchronized (m) {
            Entry e = m.get(key(action, topic));
            if (e == null) {
                return null;
            }
            if (e.generation != generation.get() || clock.getAsLong() - e.expiresAt >= 0) {
                m.remove(key(action, topic));
                return null;
            }
            return e.decision;
        }
    }

    /** Keeps a decision reached under {@code generationAtAsk}: one made before a reload is not kept. */
    void put(String clientId, AclCheckEvent.Action action, String topic, AclCheckEvent.Decision d, long generationAtAsk) {
        if (!enabled || generationAtAsk != generation.get()) {
            return;
        }
        Map<String, Entry> m = clients.computeIfAbsent(clientId, k -> new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxPerClient;
            }
        });
        synchronized (m) {
            m.put(key(action, topic), new Entry(d, clock.getAsLong() + ttlNanos, generationAtAsk));
        }
    }

    void invalidateAll() {
        generation.incrementAndGet();
    }

    void forget(String clientId) {
        clients.remove(clientId);
    }

    /** Clients with cached entries (for tests and metrics). */
    int clients() {
        return clients.size();
    }

    private static String key(AclCheckEvent.Action action, String topic) {
        return (action == AclCheckEvent.Action.PUBLISH ? 'p' : 's') + topic;
    }
}
