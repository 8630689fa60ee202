package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The REST API ({@code /api/v4}) as the CLI sees it: Basic auth, EMQ X 4's
 * {@code {"code":0,"data":...}} envelope unwrapped, any failure turned into a {@link CtlException}
 * whose message never contains the password.
 */
final class CtlApi {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String authorization;

    CtlApi(String url, String user, String password) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** One path segment (a client id or a topic with its '/' kept encoded); '+' stays literal on the server. */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    JsonNode post(String path, Object body) {
        try {
            return send("POST", path, JSON.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CtlException("cannot encode request: " + e.getOriginalMessage());
        }
    }

    JsonNode put(String path, Object body) {
        try {
            return send("PUT", path, JSON.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CtlException("cannot encode request");
        }
    }

    /** The whole response envelope, so callers can read {@code data} and {@code meta}. */
    private JsonNode send(String method, String path, String body) {
        URI uri = URI.create(base + "/api/v4" + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CtlException("cannot reach " + base + " (is Perch running? set --url or PERCH_CTL_URL)");
        } catch (IOException e) {
            throw new CtlException("request to " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlException("interrupted");
        }
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CtlException("HTTP " + r.statusCode() + " from " + uri.getPath() + " (not a JSON answer)");
        }
        if (r.statusCode() == 429) {
            throw new CtlException("too many failed logins from this address; retry in "
                    + r.headers().firstValue("Retry-After").orElse("?") + "s");
        }
        if (r.statusCode() == 401) {
            throw new CtlException("not authorized: wrong user or password (--user/--password or PERCH_CTL_USER/PERCH_CTL_PASSWORD)");
        }
        if (r.statusCode() / 100 != 2 || json.path("code").asInt(-1) != 0) {
            throw new CtlException(json.path("message").asText("HTTP " + r.statusCode()) + " (HTTP " + r.statusCode() + ")");
        }
        return json;
    }
}
