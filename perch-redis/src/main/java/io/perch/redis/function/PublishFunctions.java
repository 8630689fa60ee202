package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.broker.persist.DurableWrites;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Ids;
import io.perch.redis.codec.Keys;
import io.perch.redis.codec.MessageHash;
import io.perch.redis.config.Functions;
import io.perch.redis.config.HookRule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.perch.redis.codec.Keys.utf8;

/**
 * The message.publish functions. None holds up routing: each queues its writes on the pool's
 * ordered pipeline and returns. Unless {@code persistence.ack = none}, each also adds its write
 * to the event's {@link DurableWrites}, so the publisher's PUBACK / PUBREC waits until Redis
 * has the copy (with the pool's WAIT / WAITAOF barrier when it has one); Redis applies the
 * writes in order and the pipeline replays them if it was down.
 */
final class PublishFunctions {
    /** Topic upkeep (prune, set TTL, index) runs at most this often per topic: it is the same work each time. */
    static final long UPKEEP_MS = 1000;
    private static final int UPKEEP_TOPICS_MAX = 100_000;
    private final BackendContext ctx;
    private final Map<String, Long> upkeep = new ConcurrentHashMap<>();

    PublishFunctions(BackendContext ctx) {
        this.ctx = ctx;
    }

    /** True when the topic's set was not tended to in the last second (per pool and TTL). */
    private boolean upkeepDue(String pool, String topic, long ttl, long now) {
        if (upkeep.size() > UPKEEP_TOPICS_MAX) {
            upkeep.clear();
        }
        String key = pool + '\u0000' + ttl + '\u0000' + topic;
        Long last = upkeep.get(key);
        if (last != null && now - last < UPKEEP_MS) {
            return false;
        }
        upkeep.put(key, now);
        return true;
    }

    /**
     * Per message: the pools whose {@code mqtt:msg:{id}} hash this run already wrote, and where
     * the writes the acknowledgement waits for go (null: it waits for none).
     */
    static final class RunState {
        final Set<String> hashWritten = new HashSet<>();
        final DurableWrites acknowledgeAfter;

        RunState(DurableWrites acknowledgeAfter) {
            this.acknowledgeAfter = acknowledgeAfter;
        }
    }

    private static void write(PoolRuntime pool, String function, List<RedisCall> calls, RunState state) {
        if (state.acknowledgeAfter == null) {
            pool.write(function, calls);
        } else {
            state.acknowledgeAfter.add(pool.durableWrite(function, calls).thenApply(r -> null));
        }
    }

    void publish(PoolRuntime pool, HookRule rule, Message m, RunState state) {
        if (m.qos() == 0 && !m.retain()) {
            return;
        }
        String id = ctx.compat().id(m.id());
        List<RedisCall> calls = new ArrayList<>(hashCalls(m, id, ttl(m, rule)));
        state.hashWritten.add(pool.name());
        if (m.qos() > 0) {
            byte[] set = Keys.topicMessages(m.topic());
            // Scored by the time in the id, not m.timestamp(): the two may differ by a millisecond
            // or more either way, and a pubsub fetch resumes with ZRANGEBYSCORE from its position
            // id's time, which must then find every later id (FetchFunctions.pubsub).
            long ms = Ids.millis(m.id());
            calls.add(Calls.appendToSet(set, ms, utf8(id)));
            if (upkeepDue(pool.name(), m.topic(), rule.expiredTime(), System.currentTimeMillis())) {
                // Members older than the TTL point at expired hashes: prune them by score as we go.
                calls.add(Calls.zremBefore(set, ms - rule.expiredTime() * 1000.0));
                calls.add(Calls.expire(set, rule.expiredTime()));
                calls.add(Calls.zadd(utf8(Keys.MSG_INDEX), 0, utf8(m.topic())));
            }
        }
        write(pool, Functions.ON_MESSAGE_PUBLISH, calls, state);
    }

    void retain(PoolRuntime pool, HookRule rule, Message m, RunState state) {
        if (!m.retain() || m.payload().length == 0) {
            return;
        }
        String id = ctx.compat().id(m.id());
        long ttl = ttl(m, rule);
        List<RedisCall> calls = new ArrayList<>();
        if (state.hashWritten.add(pool.name())) {
            calls.addAll(hashCalls(m, id, ttl));
        } else {
            // The hash exists; give it at least the retained message's lifetime.
            calls.add(Calls.expire(Keys.message(id), ttl));
        }
        byte[] key = Keys.retain(m.topic());
        calls.add(Calls.del(key));
        calls.add(Calls.zadd(key, m.timestamp(), utf8(id)));
        calls.add(Calls.expire(key, ttl));
        calls.add(Calls.zadd(utf8(Keys.RETAIN_INDEX), 0, utf8(m.topic())));
        write(pool, Functions.ON_MESSAGE_RETAIN, calls, state);
    }

    /**
     * Empty retained payload: the retained pointer goes at once (queued in order, so a later
     * retained publish is not deleted), the old message hash once its id has been read.
     * Returns true when the later publish rules must not run for this message.
     */
    boolean retainDelete(PoolRuntime pool, Message m, RunState state) {
        if (!m.retain() || m.payload().length != 0) {
            return false;
        }
        RetainedWrites.deleteOldHashes(pool, Functions.ON_RETAIN_DELETE, m.topic(), null);
        write(pool, Functions.ON_RETAIN_DELETE, RetainedWrites.deletePointer(m.topic()), state);
        return true;
    }

    void keepLatest(PoolRuntime pool, HookRule rule, Message m, RunState state) {
        byte[] key = Keys.latest(m.topic());
        List<byte[]> kv = MessageHash.fields(m, ctx.compat());
        write(pool, Functions.ON_MESSAGE_STORE_KEEP_LATEST, List.of(
                Calls.del(key),
                Calls.hset(key, kv),
                Calls.expire(key, ttl(m, rule)),
                Calls.zadd(utf8(Keys.LATEST_INDEX), 0, utf8(m.topic()))), state);
    }

    /**
     * The rule's expired_time, or less when the message's MQTT expiry comes first: Redis then
     * drops a copy no one may receive. Rounded up to whole seconds, never below 1.
     */
    static long ttl(Message m, HookRule rule) {
        return m.expiresAt() == 0 ? rule.expiredTime() : ttl(m.expiresAt(), rule.expiredTime(), System.currentTimeMillis());
    }

    static long ttl(long expiresAt, long ruleSeconds, long nowMillis) {
        if (expiresAt == 0) {
            return ruleSeconds;
        }
        long left = Math.max(1, (expiresAt - nowMillis + 999) / 1000);
        return Math.min(ruleSeconds, left);
    }

    private List<RedisCall> hashCalls(Message m, String id, long ttl) {
        byte[] key = Keys.message(id);
        return List.of(Calls.hset(key, MessageHash.fields(m, ctx.compat(), id)), Calls.expire(key, ttl));
    }
}
