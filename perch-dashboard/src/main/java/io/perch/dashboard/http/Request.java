package io.perch.dashboard.http;

import io.netty.handler.codec.http.HttpMethod;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request as handlers see it: method, decoded path parameters, query parameters and
 * the body bytes (already copied out of Netty's buffer so handlers need not release anything),
 * and the TCP peer's IP (login throttling).
 */
public record Request(HttpMethod method, String path, Map<String, String> pathParams,
                      Map<String, List<String>> query, byte[] body, String remoteIp) {

    public Request(HttpMethod method, String path, Map<String, String> pathParams,
                   Map<String, List<String>> query, byte[] body) {
        this(method, path, pathParams, query, body, "unknown");
    }

    public String param(String name) {
        return pathParams.get(name);
    }

    /** First value of a query parameter, or null. */
    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public int queryInt(String name, int dflt) {
        String v = query(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badParam(name + " must be an integer");
        }
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** A copy with one more path parameter (routes that serve a fixed resource). */
    public Request withParam(String name, String value) {
        Map<String, String> p = new java.util.HashMap<>(pathParams);
        p.put(name, value);
        return withPathParams(p);
    }

    Request withPathParams(Map<String, String> params) {
        return new Request(method, path, params, query, body, remoteIp);
    }
}
