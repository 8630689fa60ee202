package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.broker.api.BrokerService;
import io.perch.broker.message.Message;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.message.UserProperty;
import io.perch.broker.topic.Topics;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /mqtt/publish|subscribe|unsubscribe} and their {@code _batch} forms, with EMQ X 4's
 * bodies: {@code topic} or comma-separated {@code topics}, {@code clientid}, {@code qos},
 * {@code retain}, {@code payload}, {@code encoding} (plain or base64), and Perch's addition
 * {@code properties} (MQTT 5, see {@link #properties}). Batch forms take a JSON
 * array and answer one {@code {"topic","code"}} per item, so one bad item does not hide the rest.
 */
public final class MqttApi {
    private static final Logger log = LoggerFactory.getLogger(MqttApi.class);

    private final BrokerService broker;
    private final Json json;

    public MqttApi(BrokerService broker, Json json) {
        this.broker = broker;
        this.json = json;
    }

    public Response publish(Request req) {
        publishOne(json.body(req));
        return json.ok(null);
    }

    public Response subscribe(Request req) {
        subscribeOne(json.body(req));
        return json.ok(null);
    }

    public Response unsubscribe(Request req) {
        unsubscribeOne(json.body(req));
        return json.ok(null);
    }

    public Response publishBatch(Request req) {
        return batch(req, this::publishOne);
    }

    public Response subscribeBatch(Request req) {
        return batch(req, this::subscribeOne);
    }

    public Response unsubscribeBatch(Request req) {
        return batch(req, this::unsubscribeOne);
    }

    private interface Op {
        void apply(JsonNode item);
    }

    private Response batch(Request req, Op op) {
        JsonNode arr = json.body(req);
        if (!arr.isArray()) {
            throw ApiException.badParam("batch body must be a JSON array");
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (JsonNode item : arr) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("topic", batchTopic(item));
            try {
                op.apply(item);
                r.put("code", 0);
            } catch (ApiException e) {
                r.put("code", e.code());
                r.put("message", e.getMessage());
            }
            results.add(r);
        }
        return json.ok(results);
    }

    /** What a batch result names an item by: its {@code topic}, else its {@code topics}. */
    static String batchTopic(JsonNode item) {
        return item.path("topic").asText(item.path("topics").asText(""));
    }

    private void publishOne(JsonNode b) {
        List<String> topics = topics(b);
        for (String t : topics) {
            if (t.contains("+") || t.contains("#")) {
                throw new ApiException(400, ApiException.BAD_TOPIC, "a topic name may not contain wildcards: " + t);
            }
        }
        int qos = qos(b);
        boolean retain = b.path("retain").asBoolean(false);
        String from = b.path("clientid").asText("http_api");
        byte[] payload = payload(b);
        Properties props = properties(b.path("properties"));
        for (String t : topics) {
            Message m = broker.newMessage(t, payload, qos, retain, from);
            if (props != null) {
                m = new Message(m.id(), t, payload, qos, retain, from, m.username(), m.timestamp(),
                        props.expirySeconds() > 0 ? m.timestamp() + props.expirySeconds() * 1000 : 0, props.publish());
            }
            broker.publish(m).whenComplete((n, err) -> {
                if (err != null) {
                    log.warn("API publish to {} failed", t, err);
                }
            });
        }
    }

    /** MQTT 5 PUBLISH properties, passed on to MQTT 5 subscribers; expiry in seconds (0 = none). */
    private record Properties(long expirySeconds, PublishProperties publish) {
    }

    /**
     * {@code properties}, as EMQ X 5's publish API names them: {@code payload_format_indicator}
     * (0 or 1), {@code message_expiry_interval} (seconds), {@code content_type},
     * {@code response_topic}, {@code correlation_data} (text) and {@code user_properties}
     * (an object of strings). Null when absent or empty.
     */
    private static Properties properties(JsonNode p) {
        if (p.isMissingNode() || p.isNull()) {
            return null;
        }
        if (!p.isObject()) {
            throw ApiException.badParam("properties must be an object");
        }
        java.util.Set<String> known = java.util.Set.of("payload_format_indicator", "message_expiry_interval",
                "content_type", "response_topic", "correlation_data", "user_properties");
        p.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw ApiException.badParam("unknown property " + f + "; known: " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        });
        Integer format = null;
        if (p.hasNonNull("payload_format_indicator")) {
            JsonNode f = p.get("payload_format_indicator");
            if (!f.canConvertToInt() || (f.asInt() != 0 && f.asInt() != 1)) {
                throw ApiException.badParam("payload_format_indicator must be 0 or 1");
            }
            format = f.asInt();
        }
        long expiry = 0;
        if (p.hasNonNull("message_expiry_interval")) {
            JsonNode e = p.get("message_expiry_interval");
            if (!e.canConvertToLong() || e.asLong() < 0 || e.asLong() > 0xFFFFFFFFL) {
                throw ApiException.badParam("message_expiry_interval must be 0..4294967295 seconds");
            }
            expiry = e.asLong();
        }
        String responseTopic = text(p, "response_topic");
        if (responseTopic != null && (responseTopic.contains("+") || responseTopic.contains("#"))) {
            throw new ApiException(400, ApiException.BAD_TOPIC, "a response topic may not contain wildcards: " + responseTopic);
        }
        String correlation = text(p, "correlation_data");
        List<UserProperty> user = new ArrayList<>();
        JsonNode u = p.path("user_properties");
        if (!u.isMissingNode() && !u.isNull()) {
            if (!u.isObject()) {
                throw ApiException.badParam("user_properties must be an object of strings");
            }
            u.fields().forEachRemaining(e -> {
                if (!e.getValue().isTextual()) {
                    throw ApiException.badParam("user property " + e.getKey() + " must be a string");
                }
                user.add(new UserProperty(e.getKey(), e.getValue().asText()));
            });
        }
        return new Properties(expiry, new PublishProperties(format, text(p, "content_type"), responseTopic,
                correlation == null ? null : correlation.getBytes(StandardCharsets.UTF_8), List.copyOf(user)));
    }

    private static String text(JsonNode p, String field) {
        JsonNode v = p.path(field);
        if (v.isMissingNode() || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badParam(field + " must be a string");
        }
        return v.asText();
    }

    void subscribeOne(JsonNode b) {
        String clientId = clientId(b);
        int qos = qos(b);
        List<String> topics = topics(b);
        for (String t : topics) {
            // Checked here: the broker answers an invalid filter as it does a missing client (false).
            Topics.Parsed parsed = Topics.parseSubscription(t);
            if (parsed == null || !Topics.isValidFilter(parsed.filter(), 0)) {
                throw new ApiException(400, ApiException.BAD_TOPIC, "not a valid topic filter: " + t);
            }
        }
        for (String t : topics) {
            if (!broker.subscribe(clientId, t, SubscriptionOptions.ofQos(qos))) {
                throw ApiException.clientNotOnline("client not online: " + clientId);
            }
        }
    }

    void unsubscribeOne(JsonNode b) {
        String clientId = clientId(b);
        if (broker.client(clientId).isEmpty()) {
            throw ApiException.clientNotOnline("client not online: " + clientId);
        }
        for (String t : topics(b)) {
            broker.unsubscribe(clientId, t);
        }
    }

    private static String clientId(JsonNode b) {
        String c = b.path("clientid").asText("");
        if (c.isEmpty()) {
            throw ApiException.missing("clientid");
        }
        return c;
    }

    private static List<String> topics(JsonNode b) {
        List<String> out = new ArrayList<>();
        if (b.hasNonNull("topic") && !b.get("topic").asText().isEmpty()) {
            out.add(b.get("topic").asText());
        }
        if (b.hasNonNull("topics")) {
            for (String t : b.get("topics").asText().split(",")) {
                if (!t.isBlank()) {
                    out.add(t.trim());
                }
            }
        }
        if (out.isEmpty()) {
            throw ApiException.missing("topic");
        }
        return out;
    }

    private static int qos(JsonNode b) {
        JsonNode q = b.path("qos");
        if (q.isMissingNode() || q.isNull()) {
            return 0;
        }
        if (!q.canConvertToInt() || q.asInt() < 0 || q.asInt() > 2) {
            throw ApiException.badParam("qos must be 0, 1 or 2");
        }
        return q.asInt();
    }

    private static byte[] payload(JsonNode b) {
        String p = b.path("payload").asText("");
        String enc = b.path("encoding").asText("plain");
        return switch (enc) {
            case "plain" -> p.getBytes(StandardCharsets.UTF_8);
            case "base64" -> {
                try {
                    yield Base64.getDecoder().decode(p);
                } catch (IllegalArgumentException e) {
                    throw ApiException.badParam("payload is not valid base64");
                }
            }
            default -> throw ApiException.badParam("encoding must be plain or base64");
        };
    }
}
