package io.perch.redis.function;

import io.lettuce.core.ScoredValue;
import io.perch.broker.hook.event.SubscribedEvent;
import io.perch.broker.message.MessageId;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Ids;
import io.perch.redis.codec.Keys;
import io.perch.redis.config.Functions;
import io.perch.redis.config.HookRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;

import static io.perch.redis.function.StoredMessages.Ref;

/**
 * on_message_fetch_for_queue and on_message_fetch_for_pubsub: stored messages for a new
 * subscription, in publish order across every topic the filter matches (wildcards through the
 * topic index), paged into the session no faster than it can queue them ({@link StoredBacklog}).
 * Messages keep their stored id, so the broker drops any it already holds for the
 * session (queued or in flight) and message.acked later names the stored message.
 */
final class FetchFunctions {
    /** Scores below this are not millisecond times (1973): an old writer's constant score. */
    private static final double LEGACY_SCORE_MAX = 1e11;
    private final BackendContext ctx;
    /** The backlog being paged for each (client, filter); written by hook threads and brokerSide. */
    private final Map<String, StoredBacklog> paging = new ConcurrentHashMap<>();

    FetchFunctions(BackendContext ctx) {
        this.ctx = ctx;
    }

    CompletableFuture<Integer> queue(PoolRuntime pool, SubscribedEvent ev) {
        String fn = Functions.ON_MESSAGE_FETCH_FOR_QUEUE;
        return whileLiveHeld(ev, () -> TopicIndex.matching(pool, fn, Keys.MSG_INDEX, ev.filter())
                .thenCompose(topics -> readSets(pool, fn, topics))
                .thenCompose(refs -> deliver(pool, fn, ev, refs)));
    }

    /**
     * Runs a fetch while the session holds back live messages for the subscription (from the
     * hook, before any read), and lets them go once it is done however it ended: stored
     * messages reach the client before newer live ones on the same topics.
     */
    private CompletableFuture<Integer> whileLiveHeld(SubscribedEvent ev,
                                                     java.util.function.Supplier<CompletableFuture<Integer>> fetch) {
        String cid = ev.client().clientId();
        boolean held = ctx.broker().holdLive(cid, ev.filter());
        CompletableFuture<Integer> f;
        try {
            f = fetch.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (held) {
            f.whenComplete((n, err) -> ctx.broker().releaseLive(cid, ev.filter()));
        }
        return f;
    }

    /**
     * One-to-many: each (client, topic) has a read position {@code mqtt:acked:{cid}:{topic}}.
     * A topic without one falls back to the position of the subscription's filter
     * ({@code mqtt:acked:{cid}:{filter}}), which the first subscription sets to its own time,
     * so a topic that held nothing then (or did not exist yet under a wildcard) still gets
     * everything published after the client subscribed, also across a broker restart.
     */
    CompletableFuture<Integer> pubsub(PoolRuntime pool, HookRule rule, SubscribedEvent ev) {
        return whileLiveHeld(ev, () -> pubsubFetch(pool, rule, ev));
    }

    private CompletableFuture<Integer> pubsubFetch(PoolRuntime pool, HookRule rule, SubscribedEvent ev) {
        String fn = Functions.ON_MESSAGE_FETCH_FOR_PUBSUB;
        String cid = ev.client().clientId();
        String filter = ev.filter();
        // Taken before any read: a message published while this runs is after it, never lost.
        MessageId subscribedAt = new MessageId(System.currentTimeMillis() * 1000L, 0);
        return TopicIndex.matching(pool, fn, Keys.MSG_INDEX, filter).thenCompose(topics -> {
            List<RedisCall> gets = new ArrayList<>();
            for (String t : topics) {
                gets.add(Calls.get(Keys.acked(cid, t)));
            }
            gets.add(Calls.get(Keys.acked(cid, filter)));
            return pool.read(fn, gets).thenCompose(positions -> {
                Optional<MessageId> since = position(positions.get(topics.size()));
                List<RedisCall> calls = new ArrayList<>();
                List<String> callTopic = new ArrayList<>();
                List<MessageId> callAfter = new ArrayList<>();
                List<String> startNow = new ArrayList<>();
                for (int i = 0; i < topics.size(); i++) {
                    String t = topics.get(i);
                    byte[] set = Keys.topicMessages(t);
                    Optional<MessageId> pos = position(positions.get(i)).or(() -> since);
                    if (pos.isPresent()) {
                        // By time, not by rank: a position whose message expired or was pruned still
                        // marks where to resume, so the subscriber never stalls on it.
                        calls.add(Calls.zrangeByScoreWithScores(set, Ids.millis(pos.get()), Double.POSITIVE_INFINITY));
                        callTopic.add(t);
                        callAfter.add(pos.get());
                        calls.add(Calls.zrangeByScoreWithScores(set, Double.NEGATIVE_INFINITY, LEGACY_SCORE_MAX));
                        callTopic.add(t);
                        callAfter.add(pos.get());
                    } else if (rule.startOldest()) {
                        calls.add(Calls.zrangeAllWithScores(set));
                        callTopic.add(t);
                        callAfter.add(null);
                    } else {
                        startNow.add(t);
                    }
                }
                if (since.isEmpty()) {
                    markNow(pool, fn, cid, startNow, filter, subscribedAt);
                }
                if (calls.isEmpty()) {
                    return CompletableFuture.completedFuture(0);
                }
                return pool.read(fn, calls).thenCompose(replies -> {
                    List<Ref> refs = new ArrayList<>();
                    for (int i = 0; i < replies.size(); i++) {
                        for (ScoredValue<byte[]> sv : StoredMessages.scored(replies.get(i))) {
                            Ref r = StoredMessages.ref(callTopic.get(i), sv);
                            MessageId after = callAfter.get(i);
                            if (after == null || (r.id() != null && r.id().compareTo(after) > 0)) {
                                refs.add(r);
                            }
                        }
                    }
                    refs.sort(StoredMessages.PUBLISH_ORDER);
                    return deliver(pool, fn, ev, dedup(refs));
                });
            });
        });
    }

    private static Optional<MessageId> position(Object reply) {
        return Optional.ofNullable((byte[]) reply).map(Keys::str).flatMap(Ids::parse);
    }

    /**
     * First subscription with no position starts at "now" (EMQ X's documented behaviour): each
     * topic's position is set to its newest stored message, and the filter's to the time of the
     * subscription (also when no topic holds a message yet), so that what is published from
     * here on is delivered after a restart even if the client never acknowledged anything.
     * SET NX: a position an acknowledgement set meanwhile wins.
     */
    private void markNow(PoolRuntime pool, String fn, String cid, List<String> topics, String filter,
                         MessageId subscribedAt) {
        List<RedisCall> newest = new ArrayList<>();
        for (String t : topics) {
            newest.add(Calls.zrange(Keys.topicMessages(t), -1, -1));
        }
        CompletableFuture<List<Object>> read = topics.isEmpty() ? CompletableFuture.completedFuture(List.of())
                : pool.read(fn, newest);
        read.whenComplete((replies, err) -> {
            List<RedisCall> sets = new ArrayList<>();
            for (int i = 0; err == null && i < topics.size(); i++) {
                @SuppressWarnings("unchecked")
                List<byte[]> last = (List<byte[]>) replies.get(i);
                if (!last.isEmpty()) {
                    sets.add(Calls.setIfAbsent(Keys.acked(cid, topics.get(i)), last.get(0)));
                }
            }
            // After the topics' own: for an exact filter the two keys are one, and its newest message wins.
            sets.add(Calls.setIfAbsent(Keys.acked(cid, filter), Keys.utf8(ctx.compat().id(subscribedAt))));
            pool.write(fn, sets);
        });
    }

    private static List<Ref> dedup(List<Ref> sorted) {
        List<Ref> out = new ArrayList<>(sorted.size());
        for (Ref r : sorted) {
            if (out.isEmpty() || !out.get(out.size() - 1).idText().equals(r.idText())
                    || !out.get(out.size() - 1).topic().equals(r.topic())) {
                out.add(r);
            }
        }
        return out;
    }

    private CompletableFuture<List<Ref>> readSets(PoolRuntime pool, String fn, List<String> topics) {
        if (topics.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<RedisCall> calls = new ArrayList<>();
        for (String t : topics) {
            calls.add(Calls.zrangeAllWithScores(Keys.topicMessages(t)));
        }
        return pool.read(fn, calls).thenApply(replies -> {
            List<Ref> refs = new ArrayList<>();
            List<String> empty = new ArrayList<>();
            for (int i = 0; i < topics.size(); i++) {
                List<ScoredValue<byte[]>> members = StoredMessages.scored(replies.get(i));
                if (members.isEmpty()) {
                    empty.add(topics.get(i));
                }
                for (ScoredValue<byte[]> sv : members) {
                    refs.add(StoredMessages.ref(topics.get(i), sv));
                }
            }
            TopicIndex.prune(pool, fn, Keys.MSG_INDEX, empty, Keys::topicMessages);
            refs.sort(StoredMessages.PUBLISH_ORDER);
            return refs;
        });
    }

    /**
     * Hands the messages to the broker in order, paged under the session's flow control
     * ({@link StoredBacklog}); completes with how many it took. A newer fetch for the same
     * subscription (the client subscribed again) stops the older one, so the two never offer
     * the same backlog side by side.
     */
    private CompletableFuture<Integer> deliver(PoolRuntime pool, String fn, SubscribedEvent ev, List<Ref> refs) {
        if (refs.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        String cid = ev.client().clientId();
        String key = cid + '\u0000' + ev.filter();
        StoredBacklog backlog = new StoredBacklog(ctx, pool, fn, cid, ev.filter(), refs);
        StoredBacklog older = paging.put(key, backlog);
        if (older != null) {
            older.stop();
        }
        return backlog.start().whenComplete((n, err) -> paging.remove(key, backlog));
    }
}
