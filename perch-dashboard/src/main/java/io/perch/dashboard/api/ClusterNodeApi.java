package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.broker.api.BrokerService;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The per-node endpoints answered for the whole cluster, as EMQ X 4's are: {@code /brokers},
 * {@code /stats}, {@code /metrics} and {@code /listeners} list every node (each entry carries
 * its {@code node}), and {@code /brokers/{node}}, {@code /nodes/{node}/stats|metrics|listeners}
 * answer for one. This node's part is computed here, as on a single node; the others are asked
 * through {@link NodeCalls}, and a node that does not answer is listed in
 * {@code unavailable_nodes} (or, asked alone, answered with 503).
 *
 * <p>Threads: handlers start on the dashboard's event loop and never wait there. No mutable state.
 */
public final class ClusterNodeApi {
    static final String BROKER = "api.node.broker";
    static final String STATS = "api.node.stats";
    static final String METRICS = "api.node.metrics";
    static final String LISTENERS = "api.node.listeners";

    private final BrokerService broker;
    private final NodeApi node;
    private final Json json;
    private final NodeCalls calls;

    public ClusterNodeApi(BrokerService broker, NodeApi node, Json json, NodeCalls calls) {
        this.broker = broker;
        this.node = node;
        this.json = json;
        this.calls = calls;
    }

    /** What another node asks of this one: each answer is this node's entry of the list. */
    public void serve() {
        broker.cluster().serve(BROKER, body -> json.bytes(node.brokerInfo()));
        broker.cluster().serve(STATS, body -> json.bytes(statsEntry()));
        broker.cluster().serve(METRICS, body -> json.bytes(metricsEntry()));
        broker.cluster().serve(LISTENERS, body -> json.bytes(listenersEntry()));
    }

    private Map<String, Object> statsEntry() {
        return Map.of("node", broker.nodeName(), "stats", node.stats());
    }

    private Map<String, Object> metricsEntry() {
        return Map.of("node", broker.nodeName(), "metrics", node.metrics());
    }

    private Map<String, Object> listenersEntry() {
        return Map.of("node", broker.nodeName(), "listeners", node.listenersHere());
    }

    public CompletionStage<Response> brokers(Request req) {
        return everyNode(BROKER, node::brokerInfo);
    }

    public CompletionStage<Response> stats(Request req) {
        return everyNode(STATS, this::statsEntry);
    }

    public CompletionStage<Response> metrics(Request req) {
        return everyNode(METRICS, this::metricsEntry);
    }

    public CompletionStage<Response> listeners(Request req) {
        return everyNode(LISTENERS, this::listenersEntry);
    }

    /** {@code /brokers/{node}}: one node's entry, not in a list (as EMQ X answers it). */
    public CompletionStage<Response> broker(Request req) {
        return oneNode(req, BROKER, node::brokerInfo, false);
    }

    /** {@code /nodes/{node}/stats}, {@code .../metrics}, {@code .../listeners}: a list of that node's one entry. */
    public CompletionStage<Response> nodeStats(Request req) {
        return oneNode(req, STATS, this::statsEntry, true);
    }

    public CompletionStage<Response> nodeMetrics(Request req) {
        return oneNode(req, METRICS, this::metricsEntry, true);
    }

    public CompletionStage<Response> nodeListeners(Request req) {
        return oneNode(req, LISTENERS, this::listenersEntry, true);
    }

    private CompletionStage<Response> everyNode(String method, Supplier<Object> here) {
        Object mine = here.get();
        return calls.askOthers(method, Map.of()).thenApply(answers -> {
            List<Object> entries = new ArrayList<>(List.of(mine));
            List<Map<String, Object>> unavailable = new ArrayList<>();
            for (NodeCalls.Answer a : answers) {
                if (a.reply() != null) {
                    entries.add(a.reply());
                } else {
                    unavailable.add(a.unavailable());
                }
            }
            return json.ok(entries, unavailable);
        });
    }

    private CompletionStage<Response> oneNode(Request req, String method, Supplier<Object> here, boolean listed) {
        String name = req.param("node");
        if (name.equals(broker.nodeName())) {
            Object mine = here.get();
            return CompletableFuture.completedFuture(json.ok(listed ? List.of(mine) : mine));
        }
        return calls.askOne(name, method, Map.of()).thenApply((JsonNode reply) -> json.ok(listed ? List.of(reply) : reply));
    }
}
