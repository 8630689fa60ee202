package io.perch.redis.function;

import io.lettuce.core.ScoredValue;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Ids;
import io.perch.redis.codec.Keys;
import io.perch.redis.codec.MessageHash;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static io.perch.redis.codec.Keys.str;

/** Reading stored messages back: ordering ids from several topics, loading their hashes. */
final class StoredMessages {
    private static final int CHUNK = 500;

    private StoredMessages() {
    }

    /** A member of a {@code mqtt:msg:{topic}} set. */
    record Ref(String topic, String idText, double score, MessageId id) {
        /**
         * Publish time for ordering: the score when it is a millisecond time, else the time in the
         * id (old writers used a constant score of 1).
         */
        long millis() {
            if (score >= 1e11) {
                return (long) score;
            }
            return id != null ? Ids.millis(id) : 0L;
        }
    }

    /** Publish order across topics: time, then the full id (sequence breaks ties), then the text. */
    static final Comparator<Ref> PUBLISH_ORDER = Comparator.comparingLong(Ref::millis)
            .thenComparing((a, b) -> a.id == null || b.id == null ? 0 : a.id.compareTo(b.id))
            .thenComparing(Ref::idText);

    static Ref ref(String topic, ScoredValue<byte[]> sv) {
        String text = str(sv.getValue());
        return new Ref(topic, text, sv.getScore(), Ids.parse(text).orElse(null));
    }

    @SuppressWarnings("unchecked")
    static List<ScoredValue<byte[]>> scored(Object reply) {
        return (List<ScoredValue<byte[]>>) reply;
    }

    /** A loaded message, or empty with its ref when the hash is gone (expired: prune it). */
    record Loaded(Ref ref, Optional<Message> message) {
    }

    /** HGETALLs every ref's hash, in chunks, keeping the refs' order. */
    static CompletableFuture<List<Loaded>> load(PoolRuntime pool, String function, List<Ref> refs) {
        CompletableFuture<List<Loaded>> all = CompletableFuture.completedFuture(new ArrayList<>());
        for (int start = 0; start < refs.size(); start += CHUNK) {
            List<Ref> chunk = refs.subList(start, Math.min(refs.size(), start + CHUNK));
            all = all.thenCompose(acc -> {
                List<RedisCall> calls = new ArrayList<>(chunk.size());
                for (Ref r : chunk) {
                    calls.add(Calls.hgetall(Keys.message(r.idText())));
                }
                return pool.read(function, calls).thenApply(replies -> {
                    for (int i = 0; i < chunk.size(); i++) {
                        @SuppressWarnings("unchecked")
                        Map<byte[], byte[]> h = (Map<byte[], byte[]>) replies.get(i);
                        acc.add(new Loaded(chunk.get(i), MessageHash.read(h, chunk.get(i).idText())));
                    }
                    return acc;
                });
            });
        }
        return all;
    }

    /** ZREMs members whose hash has expired, so the sets do not grow forever. */
    static void pruneMissing(PoolRuntime pool, String function, List<Loaded> loaded) {
        List<RedisCall> calls = new ArrayList<>();
        for (Loaded l : loaded) {
            if (l.message().isEmpty()) {
                calls.add(Calls.zrem(Keys.topicMessages(l.ref().topic()), Keys.utf8(l.ref().idText())));
            }
        }
        if (!calls.isEmpty()) {
            pool.write(function, calls);
        }
    }
}
