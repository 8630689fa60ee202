package io.perch.dashboard.api;

import io.perch.broker.api.BrokerService;
import io.perch.broker.api.RouteView;
import io.perch.broker.message.Message;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code /routes} and the retained store ({@code /mqtt/retained}). */
public final class TopicsApi {
    private final BrokerService broker;
    private final Json json;

    public TopicsApi(BrokerService broker, Json json) {
        this.broker = broker;
        this.json = json;
    }

    /** Filters: exact {@code topic} and {@code node}, substring {@code _like_topic}; before the page. */
    public Response routes(Request req) {
        String topic = req.query("topic");
        String node = req.query("node");
        String like = req.query("_like_topic");
        List<Map<String, Object>> all = routes();
        all.removeIf(r -> (topic != null && !topic.equals(r.get("topic")))
                || (node != null && !node.equals(r.get("node")))
                || (like != null && !((String) r.get("topic")).contains(like)));
        return json.page(req, all);
    }

    public Response route(Request req) {
        String topic = req.param("topic");
        return json.ok(routes().stream().filter(r -> r.get("topic").equals(topic)).toList());
    }

    /**
     * This node's routes (with their subscriber counts); in a cluster also one entry per filter
     * and other node from this node's cache of their routes (no count: Redis keeps only which
     * node has a filter), all by topic, then node. Reads nothing from Redis.
     */
    private List<Map<String, Object>> routes() {
        List<Map<String, Object>> out = new ArrayList<>(broker.routes().stream().map(TopicsApi::route).toList());
        if (!broker.cluster().enabled()) {
            return out;
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        broker.cluster().remoteRoutes().forEachSubscriber((filter, node) -> {
            // A node with a plain and a shared subscription on one filter is one route.
            if (seen.add(filter + "\n" + node)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("topic", filter);
                m.put("node", node);
                out.add(m);
            }
        });
        out.sort(java.util.Comparator.comparing((Map<String, Object> m) -> (String) m.get("topic"))
                .thenComparing(m -> (String) m.get("node")));
        return out;
    }

    private static Map<String, Object> route(RouteView r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", r.topic());
        m.put("node", r.node());
        m.put("subscribers", r.subscribers());
        return m;
    }

    /**
     * Pages straight from the store (it pages by topic order) so a huge store is never copied whole.
     * The broker's own {@code $SYS/...} messages are left out unless {@code _include_sys=true};
     * {@code meta.count} counts what is listed.
     */
    public Response retainedList(Request req) {
        int page = Math.max(1, req.queryInt("_page", 1));
        int limit = Math.max(1, Math.min(10000, req.queryInt("_limit", 1000)));
        int offset = (page - 1) * limit;
        boolean includeSys = "true".equals(req.query("_include_sys"));
        String filter = req.query("_match_topic");
        List<Message> messages;
        int count;
        if (filter != null && !filter.isEmpty()) {
            List<Message> matched = matching(filter, includeSys);
            count = matched.size();
            messages = matched.subList(Math.min(offset, count), Math.min(offset + limit, count));
        } else if (includeSys) {
            messages = broker.retained().list(offset, limit);
            count = broker.retained().size();
        } else {
            List<String> sys = sysTopics();
            count = Math.max(0, broker.retained().size() - sys.size());
            messages = withoutSys(offset, limit, sys);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("page", page);
        meta.put("limit", limit);
        meta.put("count", count);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", 0);
        body.put("data", messages.stream().map(TopicsApi::retained).toList());
        body.put("meta", meta);
        return Response.json(200, json.bytes(body));
    }

    /**
     * The retained messages whose topic matches an MQTT filter, in topic order: the store answers
     * a filter with a literal prefix without scanning every topic, so this stays cheap on a big store.
     */
    private List<Message> matching(String filter, boolean includeSys) {
        if (!io.perch.broker.topic.Topics.isValidFilter(filter, 0)) {
            throw new ApiException(400, ApiException.BAD_TOPIC, "not a valid topic filter: " + filter);
        }
        try {
            return broker.retained().match(filter).toCompletableFuture().get(5, TimeUnit.SECONDS).stream()
                    .filter(m -> includeSys || !isSys(m.topic()))
                    .sorted(java.util.Comparator.comparing(Message::topic)).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(500, ApiException.UNKNOWN, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new ApiException(500, ApiException.UNKNOWN, "cannot match the retained messages: " + e);
        }
    }

    static boolean isSys(String topic) {
        return topic.equals("$SYS") || topic.startsWith("$SYS/");
    }

    /** The retained $SYS topics, sorted (few: the broker's version and description, ...). */
    private List<String> sysTopics() {
        try {
            return broker.retained().match("$SYS/#").toCompletableFuture().get(5, TimeUnit.SECONDS).stream()
                    .map(Message::topic).filter(TopicsApi::isSys).sorted().toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(500, ApiException.UNKNOWN, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new ApiException(500, ApiException.UNKNOWN, "cannot read the retained $SYS topics: " + e);
        }
    }

    /**
     * Entry {@code k} of the listing without $SYS sits in the store (topic order) at
     * {@code k + s}, where {@code s} is the number of $SYS topics sorting before it: so one
     * store page from {@code offset}, {@code sys.size()} longer, holds the whole page.
     */
    private List<Message> withoutSys(int offset, int limit, List<String> sys) {
        List<Message> window = broker.retained().list(offset, limit + sys.size());
        List<Message> out = new ArrayList<>(Math.min(limit, window.size()));
        for (int i = 0; i < window.size() && out.size() < limit; i++) {
            Message m = window.get(i);
            if (isSys(m.topic())) {
                continue;
            }
            int before = 0;
            while (before < sys.size() && sys.get(before).compareTo(m.topic()) < 0) {
                before++;
            }
            long index = (long) offset + i - before;
            if (index >= offset) {
                out.add(m);
            }
        }
        return out;
    }

    public Response retainedGet(Request req) {
        Message m = broker.retained().get(req.param("topic"))
                .orElseThrow(() -> ApiException.notFound("no retained message on " + req.param("topic")));
        return json.ok(retained(m));
    }

    public Response retainedDelete(Request req) {
        if (!broker.retained().remove(req.param("topic"))) {
            throw ApiException.notFound("no retained message on " + req.param("topic"));
        }
        return json.ok(null);
    }

    /** Payload as UTF-8 text when it is valid UTF-8, else base64 (then encoding says so). */
    private static Map<String, Object> retained(Message msg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", msg.topic());
        m.put("qos", msg.qos());
        m.put("from_clientid", msg.from());
        m.put("from_username", msg.username());
        m.put("publish_at", Times.format(msg.timestamp()));
        try {
            m.put("payload", StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(msg.payload())).toString());
            m.put("encoding", "plain");
        } catch (CharacterCodingException e) {
            m.put("payload", Base64.getEncoder().encodeToString(msg.payload()));
            m.put("encoding", "base64");
        }
        m.put("msgid", java.util.HexFormat.of().formatHex(msg.id().toBytes()).toUpperCase(java.util.Locale.ROOT));
        return m;
    }
}
