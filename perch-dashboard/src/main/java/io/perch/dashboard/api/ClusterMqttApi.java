package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.broker.api.BrokerService;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * {@code POST /mqtt/subscribe} and {@code /mqtt/unsubscribe} in a cluster: they act on the
 * client's session wherever it is connected, as EMQ X 4's do. Tried here first (as on a single
 * node, which also checks the body); a client that is not here is looked for on the other
 * nodes through {@link NodeCalls}. The batch forms do the same item by item, and answer in
 * the order of the items once every item has its answer.
 *
 * <p>Threads: handlers start on the dashboard's event loop and never wait there. No mutable state.
 */
public final class ClusterMqttApi {
    static final String SUBSCRIBE = "api.mqtt.subscribe";
    static final String UNSUBSCRIBE = "api.mqtt.unsubscribe";

    private final BrokerService broker;
    private final MqttApi mqtt;
    private final Json json;
    private final NodeCalls calls;

    public ClusterMqttApi(BrokerService broker, MqttApi mqtt, Json json, NodeCalls calls) {
        this.broker = broker;
        this.mqtt = mqtt;
        this.json = json;
        this.calls = calls;
    }

    /** What another node asks: {@code done} false when the client is not connected here either. */
    public void serve() {
        broker.cluster().serve(SUBSCRIBE, body -> json.bytes(Map.of("done", here(mqtt::subscribeOne, body))));
        broker.cluster().serve(UNSUBSCRIBE, body -> json.bytes(Map.of("done", here(mqtt::unsubscribeOne, body))));
    }

    private boolean here(Consumer<JsonNode> op, byte[] body) throws java.io.IOException {
        try {
            op.accept(json.mapper().readTree(body));
            return true;
        } catch (ApiException e) {
            if (e.code() == ApiException.CLIENT_NOT_ONLINE) {
                return false;
            }
            throw e;
        }
    }

    public CompletionStage<Response> subscribe(Request req) {
        return act(req, SUBSCRIBE, mqtt::subscribeOne);
    }

    public CompletionStage<Response> unsubscribe(Request req) {
        return act(req, UNSUBSCRIBE, mqtt::unsubscribeOne);
    }

    public CompletionStage<Response> subscribeBatch(Request req) {
        return batch(req, SUBSCRIBE, mqtt::subscribeOne);
    }

    public CompletionStage<Response> unsubscribeBatch(Request req) {
        return batch(req, UNSUBSCRIBE, mqtt::unsubscribeOne);
    }

    private CompletionStage<Response> act(Request req, String method, Consumer<JsonNode> op) {
        JsonNode body = json.body(req);
        try {
            op.accept(body);
            return CompletableFuture.completedFuture(json.ok(null));
        } catch (ApiException e) {
            if (e.code() != ApiException.CLIENT_NOT_ONLINE) {
                throw e; // a bad body is answered here, before any node is asked
            }
        }
        return elsewhere(method, body).thenApply(v -> json.ok(null));
    }

    private CompletionStage<Response> batch(Request req, String method, Consumer<JsonNode> op) {
        JsonNode items = json.body(req);
        if (!items.isArray()) {
            throw ApiException.badParam("batch body must be a JSON array");
        }
        List<CompletableFuture<Map<String, Object>>> results = new ArrayList<>();
        for (JsonNode item : items) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("topic", MqttApi.batchTopic(item));
            try {
                op.accept(item);
                r.put("code", 0);
                results.add(CompletableFuture.completedFuture(r));
            } catch (ApiException e) {
                if (e.code() != ApiException.CLIENT_NOT_ONLINE) {
                    results.add(CompletableFuture.completedFuture(failed(r, e)));
                    continue;
                }
                results.add(elsewhere(method, item).toCompletableFuture().handle((v, err) -> {
                    if (err == null) {
                        r.put("code", 0);
                        return r;
                    }
                    Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                            ? err.getCause() : err;
                    return failed(r, cause instanceof ApiException a ? a
                            : new ApiException(503, ApiException.UNKNOWN, String.valueOf(cause.getMessage())));
                }));
            }
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(v -> json.ok(results.stream().map(CompletableFuture::join).toList()));
    }

    private static Map<String, Object> failed(Map<String, Object> r, ApiException e) {
        r.put("code", e.code());
        r.put("message", e.getMessage());
        return r;
    }

    /** Acts through the node that has the client: fails with 404 when none has it, 503 when a node is silent. */
    private CompletionStage<Void> elsewhere(String method, JsonNode body) {
        String id = body.path("clientid").asText();
        return calls.askOthers(method, body).thenApply(answers -> {
            for (NodeCalls.Answer a : answers) {
                if (a.reply() != null && a.reply().path("done").asBoolean()) {
                    return null;
                }
            }
            List<String> silent = answers.stream().filter(a -> a.reply() == null)
                    .map(a -> a.node() + " (" + a.error() + ")").toList();
            if (silent.isEmpty()) {
                throw ApiException.clientNotOnline("client not online: " + id);
            }
            throw new ApiException(503, ApiException.UNKNOWN, "client " + id + " is not on the nodes that answered; "
                    + "not answering: " + String.join(", ", silent));
        });
    }
}
