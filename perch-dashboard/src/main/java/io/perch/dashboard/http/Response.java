package io.perch.dashboard.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: status, content type, bytes and any extra headers (e.g. Retry-After).
 * JSON bodies are built by {@link Json}.
 */
public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static final String JSON = "application/json; charset=utf-8";

    public Response(int status, String contentType, byte[] body) {
        this(status, contentType, body, Map.of());
    }

    public static Response json(int status, byte[] body) {
        return new Response(status, JSON, body);
    }

    public static Response text(int status, String contentType, String body) {
        return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    public Response withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, contentType, body, Map.copyOf(h));
    }
}
