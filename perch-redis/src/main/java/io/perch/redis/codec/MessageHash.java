package io.perch.redis.codec;

import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * The seven fields of a stored message ({@code id from qos topic payload ts retain}), in the
 * seed's order, then the {@link OptionalFields} the message has (expiry, MQTT 5 properties).
 * The payload is kept as raw bytes, never decoded, so binary payloads survive.
 */
public final class MessageHash {
    private MessageHash() {
    }

    // Field names are the same for every message; nobody writes into these arrays.
    private static final byte[] ID = utf8("id");
    private static final byte[] FROM = utf8("from");
    private static final byte[] QOS = utf8("qos");
    private static final byte[] TOPIC = utf8("topic");
    private static final byte[] PAYLOAD = utf8("payload");
    private static final byte[] TS = utf8("ts");
    private static final byte[] RETAIN = utf8("retain");

    /** Field/value pairs in the seed's order (then the optional ones), ready for HSET or ${message}. */
    public static List<byte[]> fields(Message m, Compat compat) {
        return fields(m, compat, compat.id(m.id()));
    }

    /** The same, with the message's id already in the text form {@code compat} gives it. */
    public static List<byte[]> fields(Message m, Compat compat, String idText) {
        boolean extra = OptionalFields.present(m);
        List<byte[]> kv = new ArrayList<>(extra ? 26 : 14);
        add(kv, ID, utf8(idText));
        add(kv, FROM, utf8(m.from() == null ? "undefined" : m.from()));
        add(kv, QOS, utf8(Integer.toString(m.qos())));
        add(kv, TOPIC, utf8(m.topic()));
        add(kv, PAYLOAD, m.payload());
        add(kv, TS, utf8(compat.timestamp(m.timestamp())));
        add(kv, RETAIN, utf8(Boolean.toString(m.retain())));
        if (extra) {
            OptionalFields.append(kv, m);
        }
        return kv;
    }

    public static Map<byte[], byte[]> asMap(List<byte[]> kv) {
        Map<byte[], byte[]> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            map.put(kv.get(i), kv.get(i + 1));
        }
        return map;
    }

    private static void add(List<byte[]> kv, byte[] field, byte[] value) {
        kv.add(field);
        kv.add(value);
    }

    /**
     * Rebuilds a message from a hash read back from Redis, keeping its stored id so that the
     * broker's de-duplication and message.acked see the same id. Empty when the hash is gone
     * (expired), is not a message, or holds a message whose MQTT expiry has passed: an expired
     * copy is never delivered, and callers prune it as they prune a missing hash.
     */
    public static Optional<Message> read(Map<byte[], byte[]> hash, String idText) {
        return read(hash, idText, System.currentTimeMillis());
    }

    public static Optional<Message> read(Map<byte[], byte[]> hash, String idText, long nowMillis) {
        if (hash == null || hash.isEmpty()) {
            return Optional.empty();
        }
        Map<String, byte[]> f = new LinkedHashMap<>();
        hash.forEach((k, v) -> f.put(str(k), v));
        String idField = f.containsKey("id") ? str(f.get("id")) : idText;
        Optional<MessageId> id = idField == null ? Optional.empty() : Ids.parse(idField);
        if (id.isEmpty() && idText != null) {
            id = Ids.parse(idText);
        }
        String topic = str(f.get("topic"));
        if (id.isEmpty() || topic == null) {
            return Optional.empty();
        }
        int qos = parseInt(str(f.get("qos")), 0);
        byte[] payload = f.getOrDefault("payload", new byte[0]);
        boolean retain = "true".equals(str(f.get("retain")));
        String from = str(f.get("from"));
        long ts;
        try {
            ts = f.containsKey("ts") ? Compat.parseTimestamp(str(f.get("ts"))) : Ids.millis(id.get());
        } catch (NumberFormatException e) {
            ts = Ids.millis(id.get());
        }
        long expiresAt = OptionalFields.expiresAt(f);
        if (expiresAt != 0 && nowMillis >= expiresAt) {
            return Optional.empty();
        }
        return Optional.of(new Message(id.get(), topic, payload, Math.max(0, Math.min(2, qos)), retain, from, null,
                ts, expiresAt, OptionalFields.properties(f)));
    }

    private static int parseInt(String s, int dflt) {
        try {
            return s == null ? dflt : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
