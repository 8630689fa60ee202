package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/v4/log/level} and {@code PUT /api/v4/log/level} with {@code {"level":"debug"}}
 * (and optionally {@code "logger":"io.perch.redis"}; the root logger otherwise): the log level of
 * the running node, as {@code log.level} sets it at start. Not kept across restarts. Works when
 * logback is the SLF4J backend (as in perch-server); otherwise 400.
 */
public final class LogApi {
    private static final Logger log = LoggerFactory.getLogger(LogApi.class);

    private final Json json;
    private final RecentLog recent;

    /** @param recent the node's recent log lines; null when logback is not the backend */
    public LogApi(Json json, RecentLog recent) {
        this.json = json;
        this.recent = recent;
    }

    /**
     * {@code GET /api/v4/log/recent?level=warn&q=redis&_limit=200}: this node's most recent log
     * lines, newest first: at least {@code level} (error, warn, info, debug, trace; all when
     * absent), containing {@code q} in the message, logger or error, at most {@code _limit}
     * (default 200, at most the lines kept). {@code meta} says how many lines are kept and how
     * many were logged since start.
     */
    public Response recent(Request req) {
        if (recent == null) {
            throw ApiException.badParam("the recent log is kept only with logback as the logging backend");
        }
        String level = req.query("level");
        if (level != null && !level.isBlank() && !level.equalsIgnoreCase("all") && RecentLog.rank(level) < 0) {
            throw ApiException.badParam("level must be error, warn, info, debug, trace or all");
        }
        int limit = req.queryInt("_limit", 200);
        if (limit < 1) {
            throw ApiException.badParam("_limit must be 1 or more");
        }
        List<RecentLog.Line> lines = recent.newest(level, req.query("q"), Math.min(limit, recent.capacity()));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("kept", recent.capacity());
        meta.put("logged", recent.total());
        meta.put("count", lines.size());
        return json.ok(lines, meta);
    }

    public Response get(Request req) {
        ch.qos.logback.classic.Logger logger = logger(req.query("logger"));
        return json.ok(describe(logger));
    }

    public Response set(Request req) {
        JsonNode body = json.body(req);
        if (!body.path("level").isTextual()) {
            throw ApiException.missing("level");
        }
        String level = body.get("level").asText().toLowerCase(Locale.ROOT);
        if (level.equals("warning")) {
            level = "warn";
        }
        if (!level.matches("error|warn|info|debug|trace")) {
            throw ApiException.badParam("level must be error, warn, info, debug or trace");
        }
        ch.qos.logback.classic.Logger logger = logger(body.path("logger").isTextual() ? body.get("logger").asText() : null);
        logger.setLevel(ch.qos.logback.classic.Level.toLevel(level));
        log.info("log level of {} set to {} through the API (until restart; log.level in etc/perch.conf keeps it)",
                logger.getName(), level);
        return json.ok(describe(logger));
    }

    private static Map<String, Object> describe(ch.qos.logback.classic.Logger logger) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("logger", logger.getName());
        m.put("level", logger.getEffectiveLevel().toString().toLowerCase(Locale.ROOT));
        return m;
    }

    private static ch.qos.logback.classic.Logger logger(String name) {
        org.slf4j.ILoggerFactory factory;
        try {
            factory = LoggerFactory.getILoggerFactory();
            if (!(factory instanceof ch.qos.logback.classic.LoggerContext ctx)) {
                throw ApiException.badParam("the log level can only be changed with logback as the logging backend");
            }
            return ctx.getLogger(name == null || name.isBlank() ? Logger.ROOT_LOGGER_NAME : name);
        } catch (NoClassDefFoundError e) {
            throw ApiException.badParam("the log level can only be changed with logback as the logging backend");
        }
    }
}
