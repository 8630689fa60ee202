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

    /** The retained messages of the matching topics, as {@link RetainedReads} reads them. */
    CompletableFuture<Integer> retain(PoolRuntime pool, SubscribedEvent ev) {
        String fn = Functions.ON_RETAIN_LOOKUP;
        int handling = ev.options().retainHandling();
        if (handling == 2 || (handling == 1 && !ev.isNew())) {
            // MQTT 5 Retain Handling: "do not send" / "only for a new subscription".
            return CompletableFuture.completedFuture(0);
        }
        return TopicIndex.matching(pool, fn, Keys.RETAIN_INDEX, ev.filter())
                .thenCompose(topics -> RetainedReads.read(pool, fn, topics, false))
                .thenApplyAsync(found -> {
                    List<Message> msgs = new ArrayList<>(found.size());
                    found.forEach(f -> msgs.add(f.message()));
                    return deliver(ev, notHeldByBroker(msgs), true);
                }, ctx.brokerSide());
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
     * The broker sends its own retained messages on subscribe, before session.subscribed
     * fires (so before this lookup). For a topic it still has one for, that one is current and
     * already on its way. With the Redis retained store that is every topic this pool held at
     * start (the store loads them before it answers a subscribe) or got since; Redis fills in
     * the topics the broker does not hold: written by another node sharing this Redis, or, with
     * the in-memory store, lost in a restart. A copy the store dropped at its Redis deadline is
     * gone from Redis too (the store's deadline is never later), so nothing comes twice.
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
