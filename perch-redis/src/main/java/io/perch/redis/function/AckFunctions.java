package io.perch.redis.function;

import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.message.Message;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.codec.Emqx4Id;
import io.perch.redis.codec.Keys;
import io.perch.redis.config.Functions;

import java.util.ArrayList;
import java.util.List;

import static io.perch.redis.codec.Keys.utf8;

/** The message.acked functions: consume (queue), advance the read position (pubsub), forget the latest. */
final class AckFunctions {
    private final BackendContext ctx;

    AckFunctions(BackendContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Deletes the message under both id forms: a message stored by an EMQ X 4 writer (or by
     * Perch in the other compat mode) is delivered with its decoded id, and its key must still go.
     */
    void queue(PoolRuntime pool, DeliveryEvent ev) {
        Message m = ev.message();
        byte[] set = Keys.topicMessages(m.topic());
        List<RedisCall> calls = new ArrayList<>();
        for (String id : List.of(Base62Id.encode(m.id()), Emqx4Id.encode(m.id()))) {
            calls.add(Calls.del(Keys.message(id)));
            calls.add(Calls.zrem(set, utf8(id)));
        }
        pool.write(Functions.ON_MESSAGE_ACKED_FOR_QUEUE, calls);
    }

    void pubsub(PoolRuntime pool, DeliveryEvent ev) {
        Message m = ev.message();
        pool.write(Functions.ON_MESSAGE_ACKED_FOR_PUBSUB, List.of(
                Calls.set(Keys.acked(ev.subscriber().clientId(), m.topic()), utf8(ctx.compat().id(m.id())))));
    }

    void keepLatest(PoolRuntime pool, DeliveryEvent ev) {
        pool.write(Functions.ON_MESSAGE_ACKED_FOR_KEEP_LATEST, List.of(Calls.del(Keys.latest(ev.message().topic()))));
    }
}
