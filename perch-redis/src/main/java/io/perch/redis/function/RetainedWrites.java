package io.perch.redis.function;

import io.perch.broker.message.Message;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Compat;
import io.perch.redis.codec.Keys;
import io.perch.redis.codec.MessageHash;
import io.perch.redis.config.Functions;

import java.util.ArrayList;
import java.util.List;

import static io.perch.redis.codec.Keys.utf8;

/**
 * The keys of one retained message, written and deleted as on_message_retain and
 * on_retain_delete do, so that the retained store and the rules leave Redis alike. Every call
 * is queued on the pool's ordered pipeline, so it cannot overtake a write queued before it.
 * Called from whichever thread stores or deletes (event loops, the REST API).
 */
public final class RetainedWrites {
    private RetainedWrites() {
    }

    /**
     * on_retain_delete's deletion: the pointer and index member at once (in order, so a later
     * retained write is not deleted), the old message hash once its id has been read.
     */
    static List<RedisCall> deletePointer(String topic) {
        return List.of(Calls.del(Keys.retain(topic)), Calls.zrem(utf8(Keys.RETAIN_INDEX), utf8(topic)));
    }

    /** Reads the ids {@code mqtt:retain:{topic}} holds now and deletes their hashes, except {@code keepId}'s. */
    static void deleteOldHashes(PoolRuntime pool, String function, String topic, String keepId) {
        pool.read(function, List.of(Calls.zrange(Keys.retain(topic), 0, -1))).thenAccept(replies -> {
            @SuppressWarnings("unchecked")
            List<byte[]> ids = (List<byte[]>) replies.get(0);
            List<RedisCall> calls = new ArrayList<>();
            for (byte[] old : ids) {
                String id = Keys.str(old);
                if (!id.equals(keepId)) {
                    calls.add(Calls.del(Keys.message(id)));
                }
            }
            if (!calls.isEmpty()) {
                pool.write(function, calls);
            }
        });
        // A key of another form (string, hash: older writers) fails the read; DEL removes it all the same.
    }

    /** The TTL in seconds on_message_retain gives {@code m}'s copy under {@code rule}. */
    public static long ttlSeconds(Message m, io.perch.redis.config.HookRule rule) {
        return PublishFunctions.ttl(m, rule);
    }

    /** Deletes the topic's retained message exactly as on_retain_delete does. */
    public static void delete(PoolRuntime pool, String topic) {
        deleteOldHashes(pool, Functions.ON_RETAIN_DELETE, topic, null);
        pool.write(Functions.ON_RETAIN_DELETE, deletePointer(topic));
    }

    /**
     * Writes what on_message_retain writes, without a TTL: the store does this for topics no
     * on_message_retain rule covers, and then nothing else would ever expire the copy. The
     * replaced message's hash goes, for the same reason.
     */
    public static void put(PoolRuntime pool, Message m, Compat compat) {
        String id = compat.id(m.id());
        deleteOldHashes(pool, Functions.ON_MESSAGE_RETAIN, m.topic(), id);
        byte[] key = Keys.retain(m.topic());
        pool.write(Functions.ON_MESSAGE_RETAIN, List.of(
                Calls.hset(Keys.message(id), MessageHash.fields(m, compat, id)),
                Calls.del(key),
                Calls.zadd(key, m.timestamp(), utf8(id)),
                Calls.zadd(utf8(Keys.RETAIN_INDEX), 0, utf8(m.topic()))));
    }
}
