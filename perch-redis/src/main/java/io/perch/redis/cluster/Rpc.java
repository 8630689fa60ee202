package io.perch.redis.cluster;

import io.lettuce.core.SetArgs;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.perch.broker.cluster.Cluster;
import io.perch.broker.cluster.ClusterCallException;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.client.RedisLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request/reply between nodes for admin queries ({@link Cluster#call}), with Redis as the only
 * link and kept apart from the forwarding inbox (which may hold a backlog):
 * <ul>
 *   <li>a request is a PUBLISH on the target's channel {@link NodeKeys#rpc}: {@code call}, id,
 *       caller, method, base64 body. PUBLISH says how many listened, so a node that is not
 *       subscribed fails the call at once (on a single or Sentinel pool; on a Redis Cluster it
 *       counts one master's subscribers only, and the timeout tells);</li>
 *   <li>the target runs the handler on its own thread, SETs the reply under
 *       {@link NodeKeys#rpcReply} (expiring), then PUBLISHes {@code done} and the id on the
 *       caller's channel; both on one connection, so the key is there before the notice;</li>
 *   <li>the caller GETDELs the reply. Every call has the {@code cluster.rpc_timeout}: a request,
 *       notice or reply lost with a connection fails it as "did not answer", never a hang.</li>
 * </ul>
 * A reply is a status byte ({@code o} ok, {@code e} the handler failed) and the body or the
 * error text. Bodies are never logged (they may hold client data).
 *
 * <p>Threads: {@code pending} and {@code handlers} are concurrent maps, touched by callers (any
 * thread), Lettuce's threads and the timeout; each pending call is completed and removed once.
 * Handlers run on this class's own thread {@code perch-cluster-rpc}; callers' stages complete on
 * Lettuce's or the timeout's thread, so callers continue on an executor of their own.
 */
final class Rpc implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Rpc.class);

    private final PoolConnector connector;
    private final String me;
    private final Duration timeout;
    /** Tells this run's call ids from a restarted node's, whose late replies must not match. */
    private final String run = java.util.UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private final Map<String, Cluster.CallHandler> handlers = new ConcurrentHashMap<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "perch-cluster-rpc");
        t.setDaemon(true);
        return t;
    });
    private volatile RedisLink link;
    private volatile StatefulRedisPubSubConnection<String, String> channel;
    private volatile boolean closed;

    Rpc(PoolConnector connector, String me, Duration timeout) {
        this.connector = connector;
        this.me = me;
        this.timeout = timeout;
    }

    /** Opens the connections and listens on this node's channel; throws when Redis cannot be reached now. */
    void start() {
        link = connector.connect();
        StatefulRedisPubSubConnection<String, String> ps = connector.connectPubSub();
        ps.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                if (!closed) {
                    received(message);
                }
            }
        });
        try {
            ps.async().subscribe(NodeKeys.rpc(me)).get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ps.close();
            throw new IllegalStateException("cannot listen on " + NodeKeys.rpc(me) + ": " + Lua.why(e), e);
        }
        channel = ps;
    }

    void serve(String method, Cluster.CallHandler handler) {
        if (handler == null) {
            handlers.remove(method);
        } else {
            handlers.put(method, handler);
        }
    }

    CompletionStage<byte[]> call(String node, String method, byte[] request) {
        if (node.equals(me)) {
            // This node's own part needs nothing from Redis.
            try {
                return CompletableFuture.supplyAsync(() -> {
                    byte[] reply = handle(method, request);
                    if (reply[0] != 'o') {
                        throw new ClusterCallException(node, true, text(reply));
                    }
                    return Arrays.copyOfRange(reply, 1, reply.length);
                }, thread);
            } catch (RejectedExecutionException stopping) {
                return CompletableFuture.failedFuture(new ClusterCallException(node, false, "this node is stopping"));
            }
        }
        RedisLink l = link;
        if (l == null || closed) {
            return CompletableFuture.failedFuture(new ClusterCallException(node, false, "cluster calls are not running here"));
        }
        String id = run + "-" + ids.incrementAndGet();
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        pending.put(id, reply);
        String msg = "call\n" + id + "\n" + me + "\n" + method + "\n" + Base64.getEncoder().encodeToString(request);
        try {
            l.commands().publish(Lua.bytes(NodeKeys.rpc(node)), Lua.bytes(msg)).whenComplete((listeners, e) -> {
                if (e != null) {
                    fail(id, new ClusterCallException(node, false, "the request could not be sent: " + Lua.why(e)));
                } else if (listeners == 0 && !connector.isCluster()) {
                    // On a Redis Cluster PUBLISH counts only the receiving master's subscribers: there
                    // a node that is not listening is found by the timeout.
                    fail(id, new ClusterCallException(node, false, "the node is not listening"));
                }
            });
        } catch (RuntimeException e) {
            fail(id, new ClusterCallException(node, false, "the request could not be sent: " + Lua.why(e)));
        }
        return reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((r, e) -> {
            pending.remove(id);
            if (e == null) {
                return r;
            }
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof ClusterCallException cce) {
                throw new ClusterCallException(node, cce.answered(), cce.getMessage());
            }
            if (c instanceof TimeoutException) {
                throw new ClusterCallException(node, false, "no answer within " + timeout.toMillis() + " ms (cluster.rpc_timeout)");
            }
            throw new ClusterCallException(node, false, Lua.why(c));
        });
    }

    private void fail(String id, ClusterCallException e) {
        CompletableFuture<byte[]> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(e);
        }
    }

    /** On a Lettuce thread: hands a request to this class's thread, or fetches a reply. Never blocks. */
    private void received(String message) {
        String[] f = message.split("\n", 5);
        if (f.length == 5 && f[0].equals("call")) {
            try {
                thread.execute(() -> answer(f[1], f[2], f[3], f[4]));
            } catch (RejectedExecutionException stopping) {
                // closing: the caller times out
            }
        } else if (f.length == 2 && f[0].equals("done")) {
            fetch(f[1]);
        } else {
            log.debug("Cluster: ignored a malformed message on {}", NodeKeys.rpc(me));
        }
    }

    private void answer(String id, String caller, String method, String body) {
        byte[] reply;
        try {
            reply = handle(method, Base64.getDecoder().decode(body));
        } catch (IllegalArgumentException e) {
            reply = error("the request body is not base64");
        }
        RedisLink l = link;
        if (l == null || closed) {
            return;
        }
        try {
            l.commands().set(Lua.bytes(NodeKeys.rpcReply(caller, id)), reply,
                    SetArgs.Builder.px(timeout.multipliedBy(2).toMillis()));
            l.commands().publish(Lua.bytes(NodeKeys.rpc(caller)), Lua.bytes("done\n" + id)).whenComplete((n, e) -> {
                if (e != null) {
                    log.debug("Cluster: the answer to {}'s {} call was not sent: {}", caller, method, Lua.why(e));
                }
            });
        } catch (RuntimeException e) {
            log.debug("Cluster: the answer to {}'s {} call was not sent: {}", caller, method, Lua.why(e));
        }
    }

    /** Runs the handler: {@code o} and its reply, or {@code e} and why it failed. */
    private byte[] handle(String method, byte[] request) {
        Cluster.CallHandler h = handlers.get(method);
        if (h == null) {
            return error("node " + me + " serves no " + method);
        }
        try {
            byte[] out = h.handle(request);
            byte[] reply = new byte[out.length + 1];
            reply[0] = 'o';
            System.arraycopy(out, 0, reply, 1, out.length);
            return reply;
        } catch (Exception | LinkageError e) {
            log.debug("Cluster: the {} handler failed", method, e);
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return error("node " + me + " failed to answer " + method + ": " + why);
        }
    }

    private static byte[] error(String why) {
        return ("e" + why).getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] reply) {
        return new String(reply, 1, reply.length - 1, StandardCharsets.UTF_8);
    }

    private void fetch(String id) {
        CompletableFuture<byte[]> f = pending.get(id);
        RedisLink l = link;
        if (f == null || l == null) {
            return; // timed out already, or closing
        }
        try {
            l.commands().getdel(Lua.bytes(NodeKeys.rpcReply(me, id))).whenComplete((reply, e) -> {
                if (e != null) {
                    fail(id, new ClusterCallException("", false, "the reply could not be read: " + Lua.why(e)));
                } else if (reply == null || reply.length == 0) {
                    fail(id, new ClusterCallException("", false, "the reply expired before it was read"));
                } else if (reply[0] == 'o') {
                    CompletableFuture<byte[]> done = pending.remove(id);
                    if (done != null) {
                        done.complete(Arrays.copyOfRange(reply, 1, reply.length));
                    }
                } else {
                    fail(id, new ClusterCallException("", true, text(reply)));
                }
            });
        } catch (RuntimeException e) {
            fail(id, new ClusterCallException("", false, "the reply could not be read: " + Lua.why(e)));
        }
    }

    /** Stops listening; calls still waiting fail as unanswered. */
    @Override
    public void close() {
        closed = true;
        StatefulRedisPubSubConnection<String, String> ps = channel;
        channel = null;
        if (ps != null) {
            ps.close();
        }
        for (String id : pending.keySet()) {
            fail(id, new ClusterCallException("", false, "this node is stopping"));
        }
        RedisLink l = link;
        link = null;
        if (l != null) {
            l.close();
        }
        thread.shutdownNow();
    }
}
