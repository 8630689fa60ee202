package io.perch.redis.function;

import io.perch.broker.hook.event.SubscribedEvent;
import io.perch.broker.message.Message;
import io.perch.broker.retain.RetainedStore;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Keys;
import io.perch.redis.codec.MessageHash;
import io.perch.redis.config.Functions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static io.perch.redis.codec.Keys.str;

/**
 * on_retain_lookup and on_message_fetch_for_keep_latest: one message per topic, for exact
 * filters and wildcards alike (through the topic indexes), so retained messages survive a
 * broker restart.
 */
final class LookupFunctions {
    private final BackendContext ctx;

    LookupFunctions(BackendContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Reads {@code mqtt:retain:{topic}} in any form writers have used: a sorted set holding the
     * id (the seed's), a string holding the id, or a hash holding the message itself.
     */
    CompletableFuture<Integer> retain(PoolRuntime pool, SubscribedEvent ev) {
        String fn = Functions.ON_RETAIN_LOOKUP;
        int handling = ev.options().retainHandling();
        if (handling == 2 || (handling == 1 && !ev.isNew())) {
            // MQTT 5 Retain Handling: "do not send" / "only for a new subscription".
            return CompletableFuture.completedFuture(0);
        }
        return TopicIndex.matching(pool, fn, Keys.RETAIN_INDEX, ev.filter()).thenCompose(topics -> {
            if (topics.isEmpty()) {
                return CompletableFuture.completedFuture(0);
            }
            List<RedisCall> types = new ArrayList<>();
            for (String t : topics) {
                types.add(Calls.type(Keys.retain(t)));
            }
            return pool.read(fn, types).thenCompose(replies -> {
                List<RedisCall> reads = new ArrayList<>();
                List<String> kinds = new ArrayList<>();
                List<String> readTopics = new ArrayList<>();
                List<String> gone = new ArrayList<>();
                for (int i = 0; i < topics.size(); i++) {
                    String type = String.valueOf(replies.get(i));
                    byte[] key = Keys.retain(topics.get(i));
                    switch (type) {
                        case "zset" -> reads.add(Calls.zrange(key, -1, -1));
                        case "string" -> reads.add(Calls.get(key));
                        case "hash" -> reads.add(Calls.hgetall(key));
                        default -> {
                            gone.add(topics.get(i));
                            continue;
                        }
                    }
                    kinds.add(type);
                    readTopics.add(topics.get(i));
                }
                TopicIndex.prune(pool, fn, Keys.RETAIN_INDEX, gone, Keys::retain);
                if (reads.isEmpty()) {
                    return CompletableFuture.completedFuture(0);
                }
                return pool.read(fn, reads).thenCompose(values -> resolve(pool, fn, kinds, values))
                        .thenApplyAsync(msgs -> deliver(ev, notHeldByBroker(msgs), true), ctx.brokerSide());
            });
        });
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<List<Message>> resolve(PoolRuntime pool, String fn, List<String> kinds, List<Object> values) {
        List<Message> direct = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            Object v = values.get(i);
            switch (kinds.get(i)) {
                case "zset" -> ((List<byte[]>) v).forEach(b -> ids.add(str(b)));
                case "string" -> {
                    if (v != null) {
                        ids.add(str((byte[]) v));
                    }
                }
                default -> MessageHash.read((Map<byte[], byte[]>) v, null).ifPresent(direct::add);
            }
        }
        if (ids.isEmpty()) {
            return CompletableFuture.completedFuture(direct);
        }
        List<RedisCall> loads = new ArrayList<>();
        for (String id : ids) {
            loads.add(Calls.hgetall(Keys.message(id)));
        }
        return pool.read(fn, loads).thenApply(hashes -> {
            List<Message> out = new ArrayList<>(direct);
            for (int i = 0; i < ids.size(); i++) {
                MessageHash.read((Map<byte[], byte[]>) hashes.get(i), ids.get(i)).ifPresent(out::add);
            }
            return out;
        });
    }

    CompletableFuture<Integer> keepLatest(PoolRuntime pool, SubscribedEvent ev) {
        String fn = Functions.ON_MESSAGE_FETCH_FOR_KEEP_LATEST;
        return TopicIndex.matching(pool, fn, Keys.LATEST_INDEX, ev.filter()).thenCompose(topics -> {
            if (topics.isEmpty()) {
                return CompletableFuture.completedFuture(0);
            }
            List<RedisCall> reads = new ArrayList<>();
            for (String t : topics) {
                reads.add(Calls.hgetall(Keys.latest(t)));
            }
            return pool.read(fn, reads).thenApplyAsync(values -> {
                List<Message> msgs = new ArrayList<>();
                List<String> gone = new ArrayList<>();
                for (int i = 0; i < topics.size(); i++) {
                    @SuppressWarnings("unchecked")
                    Optional<Message> m = MessageHash.read((Map<byte[], byte[]>) values.get(i), null);
                    if (m.isPresent()) {
                        msgs.add(m.get());
                    } else {
                        gone.add(topics.get(i));
                    }
                }
                TopicIndex.prune(pool, fn, Keys.LATEST_INDEX, gone, Keys::latest);
                return deliver(ev, msgs, false);
            }, ctx.brokerSide());
        });
    }

    /**
     * The broker sends its own retained messages on subscribe. For a topic it still has one
     * for (it has not restarted, or the message came after), that one is current and already
     * on its way; Redis fills in the topics the broker lost, e.g. after a restart.
     */
    private List<Message> notHeldByBroker(List<Message> msgs) {
        RetainedStore local = ctx.broker().retained();
        if (local == null) {
            return msgs;
        }
        List<Message> out = new ArrayList<>(msgs.size());
        for (Message m : msgs) {
            if (local.get(m.topic()).isEmpty()) {
                out.add(m);
            }
        }
        return out;
    }

    private int deliver(SubscribedEvent ev, List<Message> msgs, boolean asRetained) {
        msgs.sort((a, b) -> a.id().compareTo(b.id()));
        int n = 0;
        for (Message m : msgs) {
            if (ctx.broker().deliver(ev.client().clientId(), ev.filter(), asRetained ? m : m.withRetain(false), asRetained)) {
                n++;
            }
        }
        return n;
    }
}
