package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.broker.api.BrokerService;
import io.perch.dashboard.alarm.Alarm;
import io.perch.dashboard.alarm.AlarmBook;
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
import java.util.concurrent.CompletionStage;

/**
 * EMQ X 4's {@code GET /api/v4/alarms} ({@code ?activated=true|false}, {@code _page}, {@code _limit})
 * and {@code DELETE /api/v4/alarms/deactivated}: the active alarms first, then the cleared ones
 * newest first. On a single node, this node's ({@link #list}, {@link #clearHistory}); in a
 * cluster every node's, each alarm with its {@code node}, as EMQ X 4 answers
 * ({@link #listEveryNode}, {@link #clearEveryNode}): the other nodes are asked through
 * {@link NodeCalls} and one that does not answer is listed in {@code unavailable_nodes}.
 *
 * <p>Threads: handlers start on the dashboard's event loop and never wait there; other nodes'
 * answers are merged on the dashboard's cluster thread. Stateless: the {@link AlarmBook} holds
 * the alarms.
 */
public final class AlarmsApi {
    private static final Logger log = LoggerFactory.getLogger(AlarmsApi.class);
    static final String LIST = "api.alarms";
    static final String CLEAR = "api.alarms.clear";

    private final BrokerService broker;
    private final AlarmBook book;
    private final Json json;
    private final NodeCalls calls;

    public AlarmsApi(BrokerService broker, AlarmBook book, Json json, NodeCalls calls) {
        this.broker = broker;
        this.book = book;
        this.json = json;
        this.calls = calls;
    }

    /** What another node asks of this one: every alarm of this node, or to forget its history. */
    public void serve() {
        broker.cluster().serve(LIST, body -> json.bytes(Map.of("active", views(book.active()),
                "history", views(book.history()))));
        broker.cluster().serve(CLEAR, body -> json.bytes(Map.of("cleared", book.clearHistory())));
    }

    public Response list(Request req) {
        boolean[] which = which(req);
        List<Object> out = new ArrayList<>();
        if (which[0]) {
            out.addAll(views(book.active()));
        }
        if (which[1]) {
            out.addAll(views(book.history()));
        }
        return json.page(req, out);
    }

    /**
     * Every node's alarms: the active ones in the order they were raised, then the cleared ones
     * newest first, so a page holds the same alarms whichever node is asked. The alarms are few
     * (at most 1,000 cleared per node), so each node sends all of its own and paging is done here.
     */
    public CompletionStage<Response> listEveryNode(Request req) {
        boolean[] which = which(req);
        req.queryInt("_page", 1); // a bad page is answered 400 before any node is asked
        req.queryInt("_limit", 1);
        List<JsonNode> active = new ArrayList<>(views(book.active()).stream().map(this::tree).toList());
        List<JsonNode> history = new ArrayList<>(views(book.history()).stream().map(this::tree).toList());
        return calls.askOthers(LIST, Map.of()).thenApply(answers -> {
            List<Map<String, Object>> unavailable = new ArrayList<>();
            for (NodeCalls.Answer a : answers) {
                if (a.reply() == null) {
                    unavailable.add(a.unavailable());
                    continue;
                }
                a.reply().path("active").forEach(active::add);
                a.reply().path("history").forEach(history::add);
            }
            active.sort(Comparator.comparingLong(a -> a.path("activated_at").asLong()));
            history.sort(Comparator.comparingLong((JsonNode a) -> a.path("deactivated_at").asLong()).reversed());
            List<Object> out = new ArrayList<>();
            if (which[0]) {
                out.addAll(active);
            }
            if (which[1]) {
                out.addAll(history);
            }
            return json.page(req, out, unavailable);
        });
    }

    public Response clearHistory(Request req) {
        int n = book.clearHistory();
        log.info("dashboard: {} cleared alarm(s) removed from the history from {}", n, req.remoteIp());
        return json.ok(null);
    }

    /** Forgets the history of every node that answers; the ones that did not are named. */
    public CompletionStage<Response> clearEveryNode(Request req) {
        int here = book.clearHistory();
        return calls.askOthers(CLEAR, Map.of()).thenApply(answers -> {
            int n = here;
            List<Map<String, Object>> unavailable = new ArrayList<>();
            for (NodeCalls.Answer a : answers) {
                if (a.reply() == null) {
                    unavailable.add(a.unavailable());
                } else {
                    n += a.reply().path("cleared").asInt();
                }
            }
            log.info("dashboard: {} cleared alarm(s) removed from the history of the cluster from {}{}", n,
                    req.remoteIp(), unavailable.isEmpty() ? "" : "; nodes that did not answer kept theirs: " + unavailable);
            return json.ok(null, unavailable);
        });
    }

    /** {active, history} as {@code activated} asks: absent both, true the active ones, false the history. */
    private static boolean[] which(Request req) {
        String activated = req.query("activated");
        if (activated == null || activated.isBlank()) {
            return new boolean[]{true, true};
        }
        return switch (activated) {
            case "true" -> new boolean[]{true, false};
            case "false" -> new boolean[]{false, true};
            default -> throw ApiException.badParam("activated must be true or false");
        };
    }

    private JsonNode tree(Map<String, Object> view) {
        return json.mapper().valueToTree(view);
    }

    private static List<Map<String, Object>> views(List<Alarm> alarms) {
        return alarms.stream().map(AlarmsApi::view).toList();
    }

    private static Map<String, Object> view(Alarm a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", a.name());
        m.put("message", a.message());
        m.put("details", a.details());
        m.put("activated", a.active());
        m.put("activated_at", a.activatedAt());
        m.put("deactivated_at", a.active() ? null : a.deactivatedAt());
        m.put("node", a.node());
        return m;
    }
}
