package io.perch.broker.retain;

import io.perch.broker.message.Message;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Retained messages in a sorted map by topic. A wildcard lookup reads only the range of topics
 * that share the filter's literal prefix (everything before the first wildcard level), so
 * {@code sensors/room1/+} touches only {@code sensors/room1/...}. There is no result cap
 * (unlike Mosquitto #2196). Expired messages are removed when met.
 */
public final class MemoryRetainedStore implements RetainedStore {
    private final ConcurrentSkipListMap<String, Message> byTopic = new ConcurrentSkipListMap<>();

    @Override
    public void put(Message message) {
        byTopic.put(message.topic(), message);
    }

    @Override
    public boolean remove(String topic) {
        return byTopic.remove(topic) != null;
    }

    @Override
    public Optional<Message> get(String topic) {
        Message m = byTopic.get(topic);
        if (m != null && m.isExpired(System.currentTimeMillis())) {
            byTopic.remove(topic, m);
            return Optional.empty();
        }
        return Optional.ofNullable(m);
    }

    @Override
    public List<Message> match(String filter) {
        if (!Topics.hasWildcard(filter)) {
            return get(filter).map(List::of).orElse(List.of());
        }
        String prefix = literalPrefix(filter);
        Map<String, Message> range = prefix.isEmpty() ? byTopic : byTopic.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
        long now = System.currentTimeMillis();
        List<Message> out = new ArrayList<>();
        String parent = filter.endsWith("/#") ? filter.substring(0, filter.length() - 2) : null;
        if (parent != null && !Topics.hasWildcard(parent)) {
            // "a/#" also matches "a" itself (MQTT-4.7.1.2), which lies outside the "a/" range
            get(parent).ifPresent(out::add);
        }
        for (Map.Entry<String, Message> e : range.entrySet()) {
            if (Topics.matches(filter, e.getKey())) {
                if (e.getValue().isExpired(now)) {
                    byTopic.remove(e.getKey(), e.getValue());
                } else {
                    out.add(e.getValue());
                }
            }
        }
        return out;
    }

    @Override
    public List<Message> list(int offset, int limit) {
        List<Message> out = new ArrayList<>(Math.min(limit, 1000));
        int i = 0;
        for (Message m : byTopic.values()) {
            if (i++ < offset) {
                continue;
            }
            if (out.size() >= limit) {
                break;
            }
            out.add(m);
        }
        return out;
    }

    @Override
    public int size() {
        return byTopic.size();
    }

    /** The filter up to (not including) its first wildcard level: "a/b/+/c" gives "a/b/". */
    static String literalPrefix(String filter) {
        int plus = filter.indexOf('+');
        int hash = filter.indexOf('#');
        int w = plus < 0 ? hash : hash < 0 ? plus : Math.min(plus, hash);
        return w < 0 ? filter : filter.substring(0, w);
    }
}
