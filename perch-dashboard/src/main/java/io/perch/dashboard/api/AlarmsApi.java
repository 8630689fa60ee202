package io.perch.dashboard.api;

import io.perch.dashboard.alarm.Alarm;
import io.perch.dashboard.alarm.AlarmBook;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * EMQ X 4's {@code GET /api/v4/alarms} ({@code ?activated=true|false}, {@code _page}, {@code _limit})
 * and {@code DELETE /api/v4/alarms/deactivated}: this node's active alarms first, then the cleared
 * ones newest first. Stateless: the {@link AlarmBook} holds the alarms.
 */
public final class AlarmsApi {
    private static final Logger log = LoggerFactory.getLogger(AlarmsApi.class);

    private final AlarmBook book;
    private final Json json;

    public AlarmsApi(AlarmBook book, Json json) {
        this.book = book;
        this.json = json;
    }

    public Response list(Request req) {
        String activated = req.query("activated");
        List<Map<String, Object>> out = new ArrayList<>();
        if (activated == null || activated.isBlank()) {
            book.active().forEach(a -> out.add(view(a)));
            book.history().forEach(a -> out.add(view(a)));
        } else if (activated.equals("true")) {
            book.active().forEach(a -> out.add(view(a)));
        } else if (activated.equals("false")) {
            book.history().forEach(a -> out.add(view(a)));
        } else {
            throw ApiException.badParam("activated must be true or false");
        }
        return json.page(req, out);
    }

    public Response clearHistory(Request req) {
        int n = book.clearHistory();
        log.info("dashboard: {} cleared alarm(s) removed from the history from {}", n, req.remoteIp());
        return json.ok(null);
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
