package io.perch.redis.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perch.broker.message.Message;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.UserProperty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * The fields Perch appends to a stored message after the seed's seven, each only when the
 * message has it: its absolute expiry and its MQTT 5 pass-through properties. Hashes without
 * them (older Perch, EMQ X) read as before; a malformed one is ignored, never fatal.
 */
final class OptionalFields {
    private OptionalFields() {
    }

    private static final byte[] EXPIRES_AT = utf8("expires_at");
    private static final byte[] PAYLOAD_FORMAT = utf8("payload_format");
    private static final byte[] CONTENT_TYPE = utf8("content_type");
    private static final byte[] RESPONSE_TOPIC = utf8("response_topic");
    private static final byte[] CORRELATION_DATA = utf8("correlation_data");
    private static final byte[] USER_PROPERTIES = utf8("user_properties");

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON);

    /** True when {@code m} has something to append (checked before sizing the field list). */
    static boolean present(Message m) {
        return m.expiresAt() != 0 || !m.properties().isEmpty();
    }

    static void append(List<byte[]> kv, Message m) {
        if (m.expiresAt() != 0) {
            add(kv, EXPIRES_AT, utf8(Long.toString(m.expiresAt())));
        }
        PublishProperties pp = m.properties();
        if (pp.payloadFormat() != null) {
            add(kv, PAYLOAD_FORMAT, utf8(Integer.toString(pp.payloadFormat())));
        }
        if (pp.contentType() != null) {
            add(kv, CONTENT_TYPE, utf8(pp.contentType()));
        }
        if (pp.responseTopic() != null) {
            add(kv, RESPONSE_TOPIC, utf8(pp.responseTopic()));
        }
        if (pp.correlationData() != null) {
            add(kv, CORRELATION_DATA, pp.correlationData());
        }
        if (!pp.userProperties().isEmpty()) {
            add(kv, USER_PROPERTIES, userPropertiesJson(pp.userProperties()));
        }
    }

    private static void add(List<byte[]> kv, byte[] field, byte[] value) {
        kv.add(field);
        kv.add(value);
    }

    /** {@code [["name","value"],...]}: a JSON array keeps order and duplicates, as MQTT requires. */
    private static byte[] userPropertiesJson(List<UserProperty> ups) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + 16 * ups.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (UserProperty u : ups) {
                g.writeStartArray();
                g.writeString(u.key());
                g.writeString(u.value());
                g.writeEndArray();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory output: does not happen
        }
        return out.toByteArray();
    }

    /** The stored absolute expiry in epoch milliseconds, 0 when absent or malformed. */
    static long expiresAt(Map<String, byte[]> f) {
        String s = str(f.get("expires_at"));
        if (s == null) {
            return 0;
        }
        try {
            long v = Long.parseLong(s.trim());
            return v > 0 ? v : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static PublishProperties properties(Map<String, byte[]> f) {
        Integer format = switch (String.valueOf(str(f.get("payload_format")))) {
            case "0" -> 0;
            case "1" -> 1;
            default -> null;
        };
        PublishProperties pp = new PublishProperties(format, str(f.get("content_type")), str(f.get("response_topic")),
                f.get("correlation_data"), userProperties(f.get("user_properties")));
        return pp.isEmpty() ? PublishProperties.NONE : pp;
    }

    /** Parses the JSON pairs; anything but an array of two-string arrays leaves the field out. */
    private static List<UserProperty> userProperties(byte[] json) {
        if (json == null) {
            return List.of();
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            return List.of();
        }
        if (root == null || !root.isArray()) {
            return List.of();
        }
        List<UserProperty> out = new ArrayList<>(root.size());
        for (JsonNode pair : root) {
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isTextual()) {
                return List.of();
            }
            out.add(new UserProperty(pair.get(0).textValue(), pair.get(1).textValue()));
        }
        return List.copyOf(out);
    }
}
