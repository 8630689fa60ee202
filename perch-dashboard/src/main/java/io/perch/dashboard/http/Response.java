package io.perch.dashboard.http;

import java.nio.charset.StandardCharsets;

/** What a handler answers: status, content type and bytes. JSON bodies are built by {@link Json}. */
public record Response(int status, String contentType, byte[] body) {
    public static final String JSON = "application/json; charset=utf-8";

    public static Response json(int status, byte[] body) {
        return new Response(status, JSON, body);
    }

    public static Response text(int status, String contentType, String body) {
        return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
}
