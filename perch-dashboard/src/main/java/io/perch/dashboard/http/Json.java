package io.perch.dashboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** EMQ X 4 response envelopes and body parsing, with one shared (thread-safe) ObjectMapper per server. */
public final class Json {
    private final ObjectMapper mapper = new ObjectMapper();

    public ObjectMapper mapper() {
        return mapper;
    }

    /** {@code {"code":0,"data":...}} */
    public Response ok(Object data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", 0);
        if (data != null) {
            m.put("data", data);
        }
        return Response.json(200, bytes(m));
    }

    /**
     * {@code {"code":0,"data":[...],"meta":{"page":p,"limit":l,"count":n}}}: one page of
     * {@code all}, paged by {@code _page} (from 1) and {@code _limit} (default 10000) as EMQ X does.
     */
    public Response page(Request req, List<?> all) {
        return page(req, all, List.of());
    }

    /** {@link #page(Request, List)} with the nodes that did not answer, when there are any. */
    public Response page(Request req, List<?> all, List<?> unavailable) {
        int page = Math.max(1, req.queryInt("_page", 1));
        int limit = Math.max(1, req.queryInt("_limit", 10000));
        long from = Math.min((long) (page - 1) * limit, all.size());
        long to = Math.min(from + limit, all.size());
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("page", page);
        meta.put("limit", limit);
        meta.put("count", all.size());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", 0);
        m.put("data", all.subList((int) from, (int) to));
        m.put("meta", meta);
        if (!unavailable.isEmpty()) {
            m.put("unavailable_nodes", unavailable);
        }
        return Response.json(200, bytes(m));
    }

    /**
     * A page built elsewhere (merged from several nodes): {@code data} is the page itself and
     * {@code count} the total; {@code unavailable}, when not empty, names the nodes that did
     * not answer and why (their entries are missing).
     */
    public Response page(int page, int limit, List<?> data, long count, List<?> unavailable) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("page", page);
        meta.put("limit", limit);
        meta.put("count", count);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", 0);
        m.put("data", data);
        m.put("meta", meta);
        if (!unavailable.isEmpty()) {
            m.put("unavailable_nodes", unavailable);
        }
        return Response.json(200, bytes(m));
    }

    /** {@code {"code":0,"data":...,"meta":{...}}} */
    public Response ok(Object data, Map<String, ?> meta) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", 0);
        m.put("data", data);
        m.put("meta", meta);
        return Response.json(200, bytes(m));
    }

    /** {@link #ok} with the nodes that did not answer, when there are any. */
    public Response ok(Object data, List<?> unavailable) {
        if (unavailable.isEmpty()) {
            return ok(data);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", 0);
        if (data != null) {
            m.put("data", data);
        }
        m.put("unavailable_nodes", unavailable);
        return Response.json(200, bytes(m));
    }

    public Response error(ApiException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", e.code());
        m.put("message", e.getMessage());
        return Response.json(e.status(), bytes(m));
    }

    public JsonNode body(Request req) {
        if (req.body().length == 0) {
            throw new ApiException(400, ApiException.NOT_JSON, "request body must be JSON");
        }
        try {
            return mapper.readTree(req.body());
        } catch (java.io.IOException e) {
            throw new ApiException(400, ApiException.NOT_JSON, "request body is not valid JSON");
        }
    }

    public byte[] bytes(Object o) {
        try {
            return mapper.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
