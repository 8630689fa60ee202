package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.perch.broker.api.BrokerService;
import io.perch.broker.cluster.Cluster;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The clients and subscriptions endpoints answered for the whole cluster, as EMQ X 4's are:
 * {@code /clients} and {@code /subscriptions} of every node, {@code /clients/{id}} found and
 * kicked wherever the client is, and {@code /nodes/{node}/...} for one node. This node's part
 * is computed here at once, as on a single node (nothing from Redis); the other nodes are asked
 * through {@link Cluster#call}, and a node that does not answer is listed in
 * {@code unavailable_nodes} (or, for one client or one node, answered with 503).
 *
 * <p>Threads: handlers start on the dashboard's event loop and never wait there; what other
 * nodes answer is merged on the dashboard's cluster thread ({@link NodeCalls}). No mutable state.
 */
public final class ClusterApi {
    private static final Logger log = LoggerFactory.getLogger(ClusterApi.class);

    static final String CLIENTS = "api.clients";
    static final String CLIENT = "api.client";
    static final String KICK = "api.kick";
    static final String SUBSCRIPTIONS = "api.subscriptions";
    static final String CLIENT_SUBSCRIPTIONS = "api.client_subscriptions";

    private final BrokerService broker;
    private final ClientsApi clients;
    private final Json json;
    private final NodeCalls calls;

    public ClusterApi(BrokerService broker, ClientsApi clients, Json json, NodeCalls calls) {
        this.broker = broker;
        this.clients = clients;
        this.json = json;
        this.calls = calls;
    }

    /** What another node asks of this one; the handlers run on the cluster's thread. */
    public void serve() {
        Cluster c = broker.cluster();
        c.serve(CLIENTS, body -> {
            JsonNode q = json.mapper().readTree(body);
            return json.bytes(clients.listPart(query(q), q.path("take").asInt()).toJson());
        });
        c.serve(SUBSCRIPTIONS, body -> {
            JsonNode q = json.mapper().readTree(body);
            return json.bytes(clients.subscriptionsPart(query(q), q.path("take").asInt()).toJson());
        });
        c.serve(CLIENT, body -> {
            String id = json.mapper().readTree(body).path("clientid").asText();
            Map<String, Object> m = new LinkedHashMap<>();
            clients.find(id).ifPresent(found -> m.put("client", found));
            return json.bytes(m);
        });
        c.serve(KICK, body -> json.bytes(Map.of("kicked",
                clients.kickHere(json.mapper().readTree(body).path("clientid").asText()))));
        c.serve(CLIENT_SUBSCRIPTIONS, body -> {
            String id = json.mapper().readTree(body).path("clientid").asText();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("known", clients.knows(id));
            m.put("data", clients.subscriptionsHere(id));
            return json.bytes(m);
        });
    }

    /** {@code GET /clients}: every node's, merged in the requested order; {@code meta.count} the cluster total. */
    public CompletionStage<Response> clients(Request req) {
        return list(req, CLIENTS, take -> clients.listPart(req, take), ClientsApi.listOrder(req));
    }

    /** {@code GET /subscriptions}: every node's, in client id then topic order. */
    public CompletionStage<Response> subscriptions(Request req) {
        return list(req, SUBSCRIPTIONS, take -> clients.subscriptionsPart(req, take), ClientsApi.subscriptionOrder(req));
    }

    private CompletionStage<Response> list(Request req, String method, java.util.function.IntFunction<NodePart> local,
                                           Comparator<NodePart.Row> order) {
        Paging p = Paging.of(req);
        NodePart mine = local.apply(p.take()); // first: a bad parameter is answered 400 before any node is asked
        return calls.askOthers(method, listRequest(req, p.take())).thenApply(answers -> {
            List<NodePart> parts = new ArrayList<>(List.of(mine));
            List<Map<String, Object>> unavailable = new ArrayList<>();
            for (NodeCalls.Answer a : answers) {
                if (a.reply() != null) {
                    parts.add(NodePart.fromJson(a.reply(), json.mapper()));
                } else {
                    unavailable.add(a.unavailable());
                }
            }
            return window(p, parts, order, unavailable);
        });
    }

    private Response window(Paging p, List<NodePart> parts, Comparator<NodePart.Row> order,
                            List<Map<String, Object>> unavailable) {
        List<NodePart.Row> rows = new ArrayList<>();
        long count = 0;
        for (NodePart part : parts) {
            rows.addAll(part.rows());
            count += part.count();
        }
        rows.sort(order);
        int from = (int) Math.min(p.offset(), rows.size());
        int to = (int) Math.min((long) from + p.limit(), rows.size());
        return json.page(p.page(), p.limit(), rows.subList(from, to).stream().map(NodePart.Row::item).toList(), count,
                unavailable);
    }

    /** {@code GET /clients/{id}}: this node's if it has the client, else whichever node answers that it does. */
    public CompletionStage<Response> client(Request req) {
        String id = req.param("clientid");
        Optional<Map<String, Object>> here = clients.find(id);
        if (here.isPresent()) {
            return CompletableFuture.completedFuture(json.ok(List.of(here.get())));
        }
        return calls.askOthers(CLIENT, Map.of("clientid", id)).thenApply(answers -> {
            for (NodeCalls.Answer a : answers) {
                if (a.reply() != null && a.reply().has("client")) {
                    return json.ok(List.of(a.reply().get("client")));
                }
            }
            throw notFound(id, answers);
        });
    }

    /** {@code DELETE /clients/{id}}: kicked here, or on the node that has it. */
    public CompletionStage<Response> kick(Request req) {
        String id = req.param("clientid");
        if (clients.kickHere(id)) {
            return CompletableFuture.completedFuture(json.ok(null));
        }
        return calls.askOthers(KICK, Map.of("clientid", id)).thenApply(answers -> {
            for (NodeCalls.Answer a : answers) {
                if (a.reply() != null && a.reply().path("kicked").asBoolean()) {
                    log.info("dashboard: client {} kicked on node {}", id, a.node());
                    return json.ok(null);
                }
            }
            throw notFound(id, answers);
        });
    }

    /** 404 when every node answered that it does not have the client; 503 when one did not answer. */
    private static ApiException notFound(String id, List<NodeCalls.Answer> answers) {
        List<String> silent = answers.stream().filter(a -> a.reply() == null).map(a -> a.node() + " (" + a.error() + ")").toList();
        if (silent.isEmpty()) {
            return ApiException.clientNotOnline("client not found: " + id);
        }
        return new ApiException(503, ApiException.UNKNOWN, "client " + id + " is not on the nodes that answered; "
                + "not answering: " + String.join(", ", silent));
    }

    /** {@code GET /subscriptions/{id}}: this node's when it holds the client, else those of the nodes that do. */
    public CompletionStage<Response> subscriptionsOfClient(Request req) {
        String id = req.param("clientid");
        if (clients.knows(id)) {
            return CompletableFuture.completedFuture(json.ok(clients.subscriptionsHere(id)));
        }
        return calls.askOthers(CLIENT_SUBSCRIPTIONS, Map.of("clientid", id)).thenApply(answers -> {
            List<Object> out = new ArrayList<>();
            List<Map<String, Object>> unavailable = new ArrayList<>();
            for (NodeCalls.Answer a : answers) {
                if (a.reply() == null) {
                    unavailable.add(a.unavailable());
                } else if (a.reply().path("known").asBoolean()) {
                    a.reply().path("data").forEach(out::add);
                }
            }
            return json.ok(out, unavailable);
        });
    }

    /** {@code GET /nodes/{node}/clients}: one node's clients, paged and filtered as {@code /clients}. */
    public CompletionStage<Response> nodeClients(Request req) {
        return nodeList(req, CLIENTS, clients::list, take -> clients.listPart(req, take), ClientsApi.listOrder(req));
    }

    /** {@code GET /nodes/{node}/subscriptions}. */
    public CompletionStage<Response> nodeSubscriptions(Request req) {
        return nodeList(req, SUBSCRIPTIONS, clients::subscriptions, take -> clients.subscriptionsPart(req, take),
                ClientsApi.subscriptionOrder(req));
    }

    private CompletionStage<Response> nodeList(Request req, String method, java.util.function.Function<Request, Response> here,
                                               java.util.function.IntFunction<NodePart> validate,
                                               Comparator<NodePart.Row> order) {
        String node = req.param("node");
        if (node.equals(broker.nodeName())) {
            return CompletableFuture.completedFuture(here.apply(req));
        }
        Paging p = Paging.of(req);
        validate.apply(0); // a bad parameter is answered 400 here, not by the other node
        return calls.askOne(node, method, listRequest(req, p.take()))
                .thenApply(reply -> window(p, List.of(NodePart.fromJson(reply, json.mapper())), order, List.of()));
    }

    /** {@code GET /nodes/{node}/clients/{id}}. */
    public CompletionStage<Response> nodeClient(Request req) {
        String node = req.param("node");
        String id = req.param("clientid");
        if (node.equals(broker.nodeName())) {
            return CompletableFuture.completedFuture(clients.get(req));
        }
        return calls.askOne(node, CLIENT, Map.of("clientid", id)).thenApply(reply -> {
            if (!reply.has("client")) {
                throw ApiException.clientNotOnline("client not found on " + node + ": " + id);
            }
            return json.ok(List.of(reply.get("client")));
        });
    }

    /** {@code GET /nodes/{node}/subscriptions/{id}}. */
    public CompletionStage<Response> nodeSubscriptionsOfClient(Request req) {
        String node = req.param("node");
        if (node.equals(broker.nodeName())) {
            return CompletableFuture.completedFuture(clients.subscriptionsOfClient(req));
        }
        return calls.askOne(node, CLIENT_SUBSCRIPTIONS, Map.of("clientid", req.param("clientid")))
                .thenApply(reply -> json.ok(reply.path("data")));
    }

    private static Map<String, Object> listRequest(Request req, int take) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, String> q = new LinkedHashMap<>();
        req.query().forEach((k, v) -> {
            if (!v.isEmpty()) {
                q.put(k, v.get(0));
            }
        });
        m.put("query", q);
        m.put("take", take);
        return m;
    }

    /** A request as another node's handler sees it: only the query matters. */
    private static Request query(JsonNode body) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        body.path("query").fields().forEachRemaining(e -> q.put(e.getKey(), List.of(e.getValue().asText())));
        return new Request(HttpMethod.GET, "/", Map.of(), q, new byte[0]);
    }

    /** {@code _page} (from 1) and {@code _limit} as {@link Json#page} reads them; each node sends its first {@code take}. */
    private record Paging(int page, int limit) {
        static Paging of(Request req) {
            return new Paging(Math.max(1, req.queryInt("_page", 1)), Math.max(1, req.queryInt("_limit", 10000)));
        }

        long offset() {
            return (long) (page - 1) * limit;
        }

        int take() {
            return (int) Math.min((long) page * limit, Integer.MAX_VALUE);
        }
    }
}
