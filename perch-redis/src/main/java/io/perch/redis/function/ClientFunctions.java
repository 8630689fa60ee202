package io.perch.redis.function;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.redis.codec.Keys;
import io.perch.redis.config.Functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/** on_client_connected, on_client_disconnected and on_subscribe_lookup (spec section 4). */
final class ClientFunctions {
    private static final Logger log = LoggerFactory.getLogger(ClientFunctions.class);
    private final BackendContext ctx;

    ClientFunctions(BackendContext ctx) {
        this.ctx = ctx;
    }

    void connected(PoolRuntime pool, ClientInfo client) {
        String now = ctx.compat().timestamp(client.connectedAt() > 0 ? client.connectedAt() : System.currentTimeMillis());
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(utf8("state"), utf8("1"));
        fields.put(utf8("online_at"), utf8(now));
        fields.put(utf8("offline_at"), utf8("undefined"));
        Map<byte[], byte[]> node = new LinkedHashMap<>();
        node.put(utf8(client.clientId()), utf8(now));
        pool.write(Functions.ON_CLIENT_CONNECTED, List.of(
                Calls.hset(Keys.client(client.clientId()), fields),
                Calls.hset(Keys.node(ctx.node()), node)));
    }

    void disconnected(PoolRuntime pool, ClientInfo client) {
        // A takeover fires the old connection's disconnected after the new one connected: do not
        // mark a client offline (or drop it from its node) while a connection of that id is live.
        if (ctx.broker().client(client.clientId()).map(c -> c.connected()).orElse(false)) {
            return;
        }
        String now = ctx.compat().timestamp(System.currentTimeMillis());
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(utf8("state"), utf8("0"));
        fields.put(utf8("offline_at"), utf8(now));
        pool.write(Functions.ON_CLIENT_DISCONNECTED, List.of(
                Calls.hset(Keys.client(client.clientId()), fields),
                Calls.hdel(Keys.node(ctx.node()), utf8(client.clientId()))));
    }

    /** Reads mqtt:sub:{clientid} and subscribes the client to each filter, as a SUBSCRIBE would. */
    CompletableFuture<Void> subscribeLookup(PoolRuntime pool, String clientId) {
        return pool.read(Functions.ON_SUBSCRIBE_LOOKUP, List.of(Calls.hgetall(Keys.sub(clientId))))
                .thenAcceptAsync(replies -> {
                    @SuppressWarnings("unchecked")
                    Map<byte[], byte[]> subs = (Map<byte[], byte[]>) replies.get(0);
                    for (Map.Entry<byte[], byte[]> e : subs.entrySet()) {
                        String filter = str(e.getKey());
                        int qos = qos(str(e.getValue()));
                        if (!ctx.broker().subscribe(clientId, filter, SubscriptionOptions.ofQos(qos))) {
                            log.warn("on_subscribe_lookup: could not subscribe {} to {}", clientId, filter);
                        }
                    }
                }, ctx.brokerSide());
    }

    /** QoS from the hash, clamped to 0..2; text that is not a number means 0. */
    static int qos(String v) {
        try {
            return Math.max(0, Math.min(2, Integer.parseInt(v.trim())));
        } catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }
}
