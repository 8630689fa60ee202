package io.perch.server.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** A node's REST API (/api/v4) with the default dashboard login; used by one test thread. */
final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString("admin:public".getBytes(StandardCharsets.UTF_8));

    private final int port;

    ApiClient(BrokerProcess node) {
        this.port = node.dashboardPort();
    }

    /** Status and parsed body; the request has a 30 s timeout, so a hang fails the test. */
    record Answer(int status, JsonNode body) {
        List<String> texts(String field) {
            List<String> out = new ArrayList<>();
            body.path("data").forEach(d -> out.add(d.path(field).asText()));
            return out;
        }
    }

    /** The nodes where the cluster-wide client list has {@code clientId} connected (the brokers' view). */
    List<String> connectedOn(String clientId) throws Exception {
        List<String> nodes = new ArrayList<>();
        get("/clients?clientid=" + clientId).body().path("data").forEach(d -> {
            if (d.path("connected").asBoolean()) {
                nodes.add(d.path("node").asText());
            }
        });
        return nodes;
    }

    Answer get(String path) throws Exception {
        return send("GET", path);
    }

    Answer delete(String path) throws Exception {
        return send("DELETE", path);
    }

    /** POST with a JSON body. */
    Answer post(String path, String json) throws Exception {
        return send("POST", path, HttpRequest.BodyPublishers.ofString(json));
    }

    private Answer send(String method, String path) throws Exception {
        return send(method, path, HttpRequest.BodyPublishers.noBody());
    }

    private Answer send(String method, String path, HttpRequest.BodyPublisher body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v4" + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", BASIC)
                .header("Content-Type", "application/json").method(method, body).build();
        HttpResponse<byte[]> r = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), MAPPER.readTree(r.body()));
    }
}
