package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.broker.api.BrokerService;
import io.perch.broker.cluster.ClusterCallException;
import io.perch.broker.cluster.NodeInfo;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The API's questions to the other nodes of a cluster ({@code Cluster#call}) with JSON bodies:
 * every other node at once, or one. A node that does not answer (no heartbeat, a timeout, an
 * error) is an {@link Answer} without a reply, which the endpoints list as unavailable.
 *
 * <p>Threads: callers start on the dashboard's event loop and never wait; answers are handed on
 * on {@code work}, the dashboard's cluster thread. No mutable state.
 */
public final class NodeCalls {
    private static final Logger log = LoggerFactory.getLogger(NodeCalls.class);

    private final BrokerService broker;
    private final Json json;
    private final Executor work;

    public NodeCalls(BrokerService broker, Json json, Executor work) {
        this.broker = broker;
        this.json = json;
        this.work = work;
    }

    /** One node's answer to a call: {@code reply}, or null and why it is missing. */
    record Answer(String node, JsonNode reply, String error) {
        Map<String, Object> unavailable() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", node);
            m.put("reason", error);
            return m;
        }
    }

    /** Asks every other node Redis lists; completes on {@code work} once each answered, failed or timed out. */
    CompletableFuture<List<Answer>> askOthers(String method, Object request) {
        byte[] body = json.bytes(request);
        List<CompletableFuture<Answer>> calls = new ArrayList<>();
        for (NodeInfo n : broker.cluster().nodes()) {
            if (n.name().equals(broker.nodeName())) {
                continue;
            }
            if (!n.alive()) {
                calls.add(CompletableFuture.completedFuture(new Answer(n.name(), null,
                        "no heartbeat within cluster.node_timeout")));
                continue;
            }
            calls.add(broker.cluster().call(n.name(), method, body).toCompletableFuture()
                    .handle((bytes, e) -> answer(n.name(), method, bytes, e)));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .thenApplyAsync(v -> calls.stream().map(CompletableFuture::join).toList(), work);
    }

    private Answer answer(String node, String method, byte[] bytes, Throwable e) {
        if (e == null) {
            try {
                return new Answer(node, json.mapper().readTree(bytes), null);
            } catch (java.io.IOException bad) {
                return new Answer(node, null, "its answer is not JSON");
            }
        }
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String why = c instanceof ClusterCallException cce ? cce.getMessage() : c.toString();
        log.debug("dashboard: node {} gave no answer to {}: {}", node, method, why);
        return new Answer(node, null, why);
    }

    /** Asks one node: 404 when Redis does not list it, 503 when it does not answer. */
    CompletableFuture<JsonNode> askOne(String node, String method, Object request) {
        if (broker.cluster().nodes().stream().noneMatch(n -> n.name().equals(node))) {
            return CompletableFuture.failedFuture(ApiException.notFound("no such node: " + node));
        }
        return broker.cluster().call(node, method, json.bytes(request)).toCompletableFuture()
                .handleAsync((bytes, e) -> {
                    Answer a = answer(node, method, bytes, e);
                    if (a.reply() == null) {
                        throw new ApiException(503, ApiException.UNKNOWN, "node " + node + " did not answer: " + a.error());
                    }
                    return a.reply();
                }, work);
    }
}
