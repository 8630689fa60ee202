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

    /**
     * Filters: exact {@code clientid}, {@code username}, {@code proto_ver} (3, 4 or 5) and
     * {@code conn_state} ({@code connected} or {@code disconnected}); substrings
     * {@code _like_clientid}, {@code _like_username}, {@code _like_ip_address} (of the peer host).
     * {@code _sort} ({@code clientid}, {@code username}, {@code connected_at}, {@code created_at};
     * ties by client id) and {@code _order} ({@code asc}, {@code desc}); all applied before
     * {@code _page}/{@code _limit}, so {@code meta.count} counts what matched.
     */
    public Response list(Request req) {
        return json.page(req, matching(req).stream().map(this::client).toList());
    }

    /**
     * This node's part of a cluster-wide list: how many clients match, and the first {@code take}
     * of them in the requested order, each with its sort key (so the asking node can merge).
     */
    public NodePart listPart(Request req, int take) {
        List<ClientView> all = matching(req);
        String sort = req.query("_sort") == null ? "clientid" : req.query("_sort");
        List<NodePart.Row> rows = new ArrayList<>(Math.min(take, all.size()));
        for (ClientView c : all.subList(0, Math.min(take, all.size()))) {
            Object key = switch (sort) {
                case "username" -> c.username();
                case "connected_at" -> c.connectedAt();
                case "created_at" -> c.createdAt();
                default -> c.clientId();
            };
            rows.add(new NodePart.Row(key, client(c)));
        }
        return new NodePart(all.size(), rows);
    }

    /** How rows of several nodes' {@link #listPart}s merge: the order {@link #list} sorts by. */
    public static Comparator<NodePart.Row> listOrder(Request req) {
        Comparator<NodePart.Row> c = Comparator.comparing(NodePart.Row::key, NodePart::compareKeys)
                .thenComparing(r -> String.valueOf(r.item().get("clientid")));
        return "desc".equals(req.query("_order")) ? c.reversed() : c;
    }

    /** The clients that match the query's filters, in its order; throws ApiException on a bad parameter. */
    private List<ClientView> matching(Request req) {
        Predicate<ClientView> p = c -> true;
        String id = req.query("clientid");
        String user = req.query("username");
        String likeId = req.query("_like_clientid");
        String likeUser = req.query("_like_username");
        String likeIp = req.query("_like_ip_address");
        String state = req.query("conn_state");
        String proto = req.query("proto_ver");
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
        if (likeIp != null) {
            p = p.and(c -> c.peerHost() != null && c.peerHost().contains(likeIp));
        }
        if (state != null) {
            boolean connected = switch (state) {
                case "connected" -> true;
                case "disconnected" -> false;
                default -> throw ApiException.badParam("conn_state must be connected or disconnected");
            };
            p = p.and(c -> c.connected() == connected);
        }
        if (proto != null) {
            int v = switch (proto) {
                case "3" -> 3;
                case "4" -> 4;
                case "5" -> 5;
                default -> throw ApiException.badParam("proto_ver must be 3, 4 or 5");
            };
            p = p.and(c -> c.protocolVersion() == v);
        }
        return broker.clients().stream().filter(p).sorted(order(req.query("_sort"), req.query("_order"))).toList();
    }

    private static Comparator<ClientView> order(String sort, String order) {
        Comparator<ClientView> byId = Comparator.comparing(ClientView::clientId);
        Comparator<ClientView> c = switch (sort == null ? "clientid" : sort) {
            case "clientid" -> byId;
            // Clients without a username come first in ascending order.
            case "username" -> Comparator.comparing(ClientView::username, Comparator.nullsFirst(Comparator.naturalOrder()));
            case "connected_at" -> Comparator.comparingLong(ClientView::connectedAt);
            case "created_at" -> Comparator.comparingLong(ClientView::createdAt);
            default -> throw ApiException.badParam("_sort must be clientid, username, connected_at or created_at");
        };
        c = c.thenComparing(byId);
        return switch (order == null ? "asc" : order) {
            case "asc" -> c;
            case "desc" -> c.reversed();
            default -> throw ApiException.badParam("_order must be asc or desc");
        };
    }

    /** EMQ X 4 answers a one-element list here. */
    public Response get(Request req) {
        Map<String, Object> c = find(req.param("clientid"))
                .orElseThrow(() -> ApiException.clientNotOnline("client not found: " + req.param("clientid")));
        return json.ok(List.of(c));
    }

    /** The client as {@link #get} shows it, if this node knows it. */
    public java.util.Optional<Map<String, Object>> find(String clientId) {
        return broker.client(clientId).map(this::client);
    }

    public Response kick(Request req) {
        if (!broker.kick(req.param("clientid"))) {
            throw ApiException.clientNotOnline("client not found: " + req.param("clientid"));
        }
        return json.ok(null);
    }

    /** Disconnects the client if it is on this node; false when it is not. */
    public boolean kickHere(String clientId) {
        return broker.kick(clientId);
    }

    public Response subscriptions(Request req) {
        return json.page(req, subscriptionRows(req));
    }

    /**
     * This node's part of a cluster-wide subscription list: the count and the first {@code take}
     * in {@link #subscriptions}' order (client id, then topic), keyed by client id.
     */
    public NodePart subscriptionsPart(Request req, int take) {
        List<Map<String, Object>> all = subscriptionRows(req);
        String sort = subscriptionSort(req);
        List<NodePart.Row> rows = new ArrayList<>(Math.min(take, all.size()));
        for (Map<String, Object> m : all.subList(0, Math.min(take, all.size()))) {
            Object key = sort.equals("qos") ? Long.valueOf((Integer) m.get("qos")) : m.get(sort);
            rows.add(new NodePart.Row(key, m));
        }
        return new NodePart(all.size(), rows);
    }

    /** How rows of several nodes' {@link #subscriptionsPart}s merge: the order {@link #subscriptions} sorts by. */
    public static Comparator<NodePart.Row> subscriptionOrder(Request req) {
        Comparator<NodePart.Row> c = Comparator.comparing(NodePart.Row::key, NodePart::compareKeys)
                .thenComparing(r -> String.valueOf(r.item().get("clientid")))
                .thenComparing(r -> String.valueOf(r.item().get("topic")));
        return descending(req) ? c.reversed() : c;
    }

    /** {@code _sort} of the subscription lists: clientid (the default), topic or qos. */
    private static String subscriptionSort(Request req) {
        String sort = req.query("_sort") == null ? "clientid" : req.query("_sort");
        if (!List.of("clientid", "topic", "qos").contains(sort)) {
            throw ApiException.badParam("_sort must be clientid, topic or qos");
        }
        return sort;
    }

    private static boolean descending(Request req) {
        String order = req.query("_order") == null ? "asc" : req.query("_order");
        return switch (order) {
            case "asc" -> false;
            case "desc" -> true;
            default -> throw ApiException.badParam("_order must be asc or desc");
        };
    }

    /** Rows of one node in the requested order: the sort field, then client id, then topic. */
    private static Comparator<Map<String, Object>> subscriptionRowOrder(Request req) {
        String sort = subscriptionSort(req);
        Comparator<Map<String, Object>> c = Comparator.comparing((Map<String, Object> m) -> sort.equals("qos")
                        ? (Object) Long.valueOf((Integer) m.get("qos")) : m.get(sort), NodePart::compareKeys)
                .thenComparing(m -> String.valueOf(m.get("clientid")))
                .thenComparing(m -> String.valueOf(m.get("topic")));
        return descending(req) ? c.reversed() : c;
    }

    /**
     * Every subscription of the clients here, filtered by the query (exact {@code clientid},
     * {@code topic} and {@code qos}; substrings {@code _like_clientid} and {@code _like_topic}) and
     * sorted by {@code _sort} (clientid, topic or qos; then client id, then topic) and {@code _order}.
     */
    private List<Map<String, Object>> subscriptionRows(Request req) {
        String topic = req.query("topic");
        String clientId = req.query("clientid");
        String likeId = req.query("_like_clientid");
        String likeTopic = req.query("_like_topic");
        String qosText = req.query("qos");
        int qos = qosText == null ? -1 : switch (qosText) {
            case "0" -> 0;
            case "1" -> 1;
            case "2" -> 2;
            default -> throw ApiException.badParam("qos must be 0, 1 or 2");
        };
        List<Map<String, Object>> out = new ArrayList<>();
        for (ClientView c : broker.clients()) {
            if ((clientId == null || clientId.equals(c.clientId())) && (likeId == null || c.clientId().contains(likeId))) {
                subscriptionsOf(c.clientId(), out);
            }
        }
        out.removeIf(s -> (topic != null && !topic.equals(s.get("topic")))
                || (likeTopic != null && !((String) s.get("topic")).contains(likeTopic))
                || (qos >= 0 && qos != (int) s.get("qos")));
        out.sort(subscriptionRowOrder(req));
        return out;
    }

    public Response subscriptionsOfClient(Request req) {
        return json.ok(subscriptionsHere(req.param("clientid")));
    }

    /** The client's subscriptions on this node (empty when it has none or is not here). */
    public List<Map<String, Object>> subscriptionsHere(String clientId) {
        List<Map<String, Object>> out = new ArrayList<>();
        subscriptionsOf(clientId, out);
        return out;
    }

    /** True when this node holds the client's session (connected or not). */
    public boolean knows(String clientId) {
        return broker.client(clientId).isPresent();
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
