package io.perch.dashboard.api;

import io.perch.broker.api.BrokerService;
import io.perch.broker.api.ClientView;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** {@code /clients} and {@code /subscriptions}, with EMQ X 4's field names and filters. */
public final class ClientsApi {
    private final BrokerService broker;
    private final Json json;

    public ClientsApi(BrokerService broker, Json json) {
        this.broker = broker;
        this.json = json;
    }

    /** Filters: exact {@code clientid}, {@code username}, and substring {@code _like_clientid}, {@code _like_username}. */
    public Response list(Request req) {
        Predicate<ClientView> p = c -> true;
        String id = req.query("clientid");
        String user = req.query("username");
        String likeId = req.query("_like_clientid");
        String likeUser = req.query("_like_username");
        if (id != null) {
            p = p.and(c -> id.equals(c.clientId()));
        }
        if (user != null) {
            p = p.and(c -> user.equals(c.username()));
        }
        if (likeId != null) {
            p = p.and(c -> c.clientId().contains(likeId));
        }
        if (likeUser != null) {
            p = p.and(c -> c.username() != null && c.username().contains(likeUser));
        }
        List<Map<String, Object>> out = broker.clients().stream().filter(p)
                .sorted(Comparator.comparing(ClientView::clientId)).map(this::client).toList();
        return json.page(req, out);
    }

    /** EMQ X 4 answers a one-element list here. */
    public Response get(Request req) {
        ClientView c = broker.client(req.param("clientid"))
                .orElseThrow(() -> ApiException.clientNotOnline("client not found: " + req.param("clientid")));
        return json.ok(List.of(client(c)));
    }

    public Response kick(Request req) {
        if (!broker.kick(req.param("clientid"))) {
            throw ApiException.clientNotOnline("client not found: " + req.param("clientid"));
        }
        return json.ok(null);
    }

    public Response subscriptions(Request req) {
        String topic = req.query("topic");
        String clientId = req.query("clientid");
        List<Map<String, Object>> out = new ArrayList<>();
        for (ClientView c : broker.clients()) {
            if (clientId == null || clientId.equals(c.clientId())) {
                subscriptionsOf(c.clientId(), out);
            }
        }
        if (topic != null) {
            out.removeIf(s -> !topic.equals(s.get("topic")));
        }
        return json.page(req, out);
    }

    public Response subscriptionsOfClient(Request req) {
        List<Map<String, Object>> out = new ArrayList<>();
        subscriptionsOf(req.param("clientid"), out);
        return json.ok(out);
    }

    private void subscriptionsOf(String clientId, List<Map<String, Object>> out) {
        for (Map.Entry<String, SubscriptionOptions> e : new java.util.TreeMap<>(broker.subscriptions(clientId)).entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", broker.nodeName());
            m.put("clientid", clientId);
            m.put("topic", e.getKey());
            m.put("qos", e.getValue().qos());
            out.add(m);
        }
    }

    private Map<String, Object> client(ClientView c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", broker.nodeName());
        m.put("clientid", c.clientId());
        m.put("username", c.username());
        m.put("ip_address", c.peerHost());
        m.put("port", c.peerPort());
        m.put("connected", c.connected());
        m.put("connected_at", c.connectedAt() > 0 ? Times.format(c.connectedAt()) : null);
        // The session's creation, not this connection's: a resumed persistent session keeps it.
        m.put("created_at", c.createdAt() > 0 ? Times.format(c.createdAt()) : null);
        if (!c.connected() && c.disconnectedAt() > 0) {
            m.put("disconnected_at", Times.format(c.disconnectedAt()));
        }
        m.put("proto_name", c.protocolVersion() == 3 ? "MQIsdp" : "MQTT");
        m.put("proto_ver", c.protocolVersion());
        m.put("zone", c.listener());
        m.put("keepalive", c.keepAlive());
        m.put("clean_start", c.cleanStart());
        m.put("expiry_interval", c.expiryIntervalSeconds());
        m.put("subscriptions_cnt", c.subscriptions());
        m.put("inflight", c.inflight());
        m.put("max_inflight", c.maxInflight());
        m.put("mqueue_len", c.mqueueLen());
        m.put("max_mqueue", c.maxMqueueLen());
        m.put("mqueue_dropped", c.mqueueDropped());
        m.put("awaiting_rel", c.awaitingRel());
        m.put("recv_msg", c.messagesIn());
        m.put("send_msg", c.messagesOut());
        return m;
    }
}
