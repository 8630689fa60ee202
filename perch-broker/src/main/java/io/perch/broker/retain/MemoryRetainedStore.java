package io.perch.broker.retain;

import io.perch.broker.message.Message;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
    public CompletionStage<List<Message>> match(String filter) {
        return CompletableFuture.completedFuture(matchNow(filter));
    }

    private List<Message> matchNow(String filter) {
        if (!Topics.hasWildcard(filter)) {
            return get(filter).map(List::of).orElse(List.of());
        }
        String prefix = Topics.literalPrefix(filter); // "a/b" for "a/b/#": the range holds the parent "a/b" too
        Map<String, Message> range = prefix.isEmpty() ? byTopic : byTopic.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
        long now = System.currentTimeMillis();
        List<Message> out = new ArrayList<>();
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

}
