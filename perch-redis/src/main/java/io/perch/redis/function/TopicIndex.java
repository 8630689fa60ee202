package io.perch.redis.function;

import io.perch.broker.topic.Topics;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Keys;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * Finds the topics a filter matches through an index sorted set (members are topics, all at
 * score 0), never with KEYS or SCAN: ZRANGEBYLEX walks only the members that start with the
 * filter's literal prefix, a page at a time, with no cap on the result. An exact filter needs
 * no lookup at all. Members whose data key has expired are pruned when a lookup finds them
 * gone (atomically, by script, except on a cluster where the two keys live in different slots
 * and the member simply stays until a later publish makes it live again).
 */
final class TopicIndex {
    static final int PAGE = 1000;

    private TopicIndex() {
    }

    static CompletableFuture<List<String>> matching(PoolRuntime pool, String function, String index, String filter) {
        if (!Topics.hasWildcard(filter)) {
            return CompletableFuture.completedFuture(List.of(filter));
        }
        String prefix = Topics.literalPrefix(filter);
        byte[] from = prefix.isEmpty() ? null : utf8(prefix);
        byte[] to = null;
        if (from != null) {
            // 0xFF never occurs in UTF-8, so [prefix, prefix+0xFF] holds exactly the topics starting with prefix.
            to = new byte[from.length + 1];
            System.arraycopy(from, 0, to, 0, from.length);
            to[from.length] = (byte) 0xFF;
        }
        List<String> out = new ArrayList<>();
        return page(pool, function, utf8(index), from, to, 0, filter, out);
    }

    private static CompletableFuture<List<String>> page(PoolRuntime pool, String function, byte[] index, byte[] from,
                                                        byte[] to, long offset, String filter, List<String> out) {
        RedisCall call = Calls.zrangeByLex(index, from, to, offset, PAGE);
        return pool.read(function, List.of(call)).thenCompose(replies -> {
            @SuppressWarnings("unchecked")
            List<byte[]> members = (List<byte[]>) replies.get(0);
            for (byte[] m : members) {
                String topic = str(m);
                if (Topics.matches(filter, topic)) {
                    out.add(topic);
                }
            }
            if (members.size() < PAGE) {
                return CompletableFuture.completedFuture(out);
            }
            return page(pool, function, index, from, to, offset + PAGE, filter, out);
        });
    }

    /**
     * Every member of the index, a page at a time: {@code perPage} gets each page and the next
     * page is read when its stage completes. Pages follow the last member read (not an offset),
     * so members pruned or added meanwhile neither skip nor repeat others.
     */
    static CompletableFuture<Void> forEachPage(PoolRuntime pool, String function, String index,
                                               java.util.function.Function<List<String>, CompletableFuture<?>> perPage) {
        return nextPage(pool, function, utf8(index), null, perPage);
    }

    private static CompletableFuture<Void> nextPage(PoolRuntime pool, String function, byte[] index, byte[] after,
                                                    java.util.function.Function<List<String>, CompletableFuture<?>> perPage) {
        return pool.read(function, List.of(Calls.zrangeByLexAfter(index, after, PAGE))).thenCompose(replies -> {
            @SuppressWarnings("unchecked")
            List<byte[]> members = (List<byte[]>) replies.get(0);
            if (members.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            List<String> topics = new ArrayList<>(members.size());
            members.forEach(m -> topics.add(str(m)));
            byte[] last = members.get(members.size() - 1);
            return perPage.apply(topics).thenCompose(v -> members.size() < PAGE
                    ? CompletableFuture.completedFuture(null) : nextPage(pool, function, index, last, perPage));
        });
    }

    /** Forgets topics whose data key is gone (see the class comment for clusters). */
    static void prune(PoolRuntime pool, String function, String index, List<String> topics,
                      java.util.function.Function<String, byte[]> dataKey) {
        if (topics.isEmpty() || pool.isCluster()) {
            return;
        }
        List<RedisCall> calls = new ArrayList<>();
        for (String t : topics) {
            calls.add(Calls.pruneIndex(utf8(index), dataKey.apply(t), utf8(t)));
        }
        pool.write(function, calls);
    }

    static byte[] indexKey(String index) {
        return Keys.utf8(index);
    }
}
