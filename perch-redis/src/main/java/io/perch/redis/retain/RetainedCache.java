package io.perch.redis.retain;

import io.perch.broker.message.Message;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The in-memory copy of the retained messages Redis holds, by topic, so that a subscribe is
 * answered without a round trip. Each entry may carry a deadline: the time Redis drops its
 * copy (the rule's {@code expired_time}), so the copy here never outlives the one in Redis.
 * A wildcard lookup reads only the range of topics sharing the filter's literal prefix, as
 * the broker's memory store does. Thread-safe: written by event loops, the REST API and the
 * Redis reply threads (the load at start), swept by the plugin's timer.
 */
final class RetainedCache {
    /** @param deadline epoch ms after which the entry is gone, 0 for never (the message's own expiry still applies) */
    record Entry(Message message, long deadline) {
        boolean isExpired(long now) {
            return (deadline != 0 && now >= deadline) || message.isExpired(now);
        }
    }

    private final ConcurrentSkipListMap<String, Entry> byTopic = new ConcurrentSkipListMap<>();

    void put(Message m, long deadline) {
        byTopic.put(m.topic(), new Entry(m, deadline));
    }

    /** For the load at start: an entry the broker stored meanwhile is newer and stays. */
    void putIfAbsent(Message m, long deadline) {
        byTopic.putIfAbsent(m.topic(), new Entry(m, deadline));
    }

    /** True when there was an unexpired entry. */
    boolean remove(String topic) {
        Entry e = byTopic.remove(topic);
        return e != null && !e.isExpired(System.currentTimeMillis());
    }

    Optional<Message> get(String topic) {
        Entry e = byTopic.get(topic);
        if (e != null && e.isExpired(System.currentTimeMillis())) {
            byTopic.remove(topic, e);
            return Optional.empty();
        }
        return e == null ? Optional.empty() : Optional.of(e.message());
    }

    List<Message> match(String filter) {
        if (!Topics.hasWildcard(filter)) {
            return get(filter).map(List::of).orElse(List.of());
        }
        String prefix = Topics.literalPrefix(filter);
        Map<String, Entry> range = prefix.isEmpty() ? byTopic
                : byTopic.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
        long now = System.currentTimeMillis();
        List<Message> out = new ArrayList<>();
        for (Map.Entry<String, Entry> e : range.entrySet()) {
            if (Topics.matches(filter, e.getKey())) {
                if (e.getValue().isExpired(now)) {
                    byTopic.remove(e.getKey(), e.getValue());
                } else {
                    out.add(e.getValue().message());
                }
            }
        }
        return out;
    }

    /** A page of unexpired messages in topic order. */
    List<Message> list(int offset, int limit) {
        List<Message> out = new ArrayList<>(Math.min(limit, 1000));
        long now = System.currentTimeMillis();
        int i = 0;
        for (Entry e : byTopic.values()) {
            if (e.isExpired(now)) {
                continue;
            }
            if (i++ < offset) {
                continue;
            }
            if (out.size() >= limit) {
                break;
            }
            out.add(e.message());
        }
        return out;
    }

    /** Entries held, expired ones included until the next {@link #sweep}. */
    int size() {
        return byTopic.size();
    }

    /** Drops expired entries, so that {@link #size} (the API's count, the gauge) follows Redis. */
    void sweep(long now) {
        // remove(key, value): an entry replaced since it was read is newer and stays.
        for (Map.Entry<String, Entry> e : byTopic.entrySet()) {
            if (e.getValue().isExpired(now)) {
                byTopic.remove(e.getKey(), e.getValue());
            }
        }
    }
}
