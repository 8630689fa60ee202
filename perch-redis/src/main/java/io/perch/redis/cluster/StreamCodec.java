package io.perch.redis.cluster;

import io.perch.broker.cluster.Forward;
import io.perch.broker.message.Message;
import io.perch.redis.codec.Compat;
import io.perch.redis.codec.MessageHash;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * Inbox entries as stream fields. A forwarded message has {@code type msg} and the fields of a
 * stored message ({@link MessageHash}, in EMQ X 4's form: ids that read back exactly and
 * millisecond timestamps), then what MessageHash leaves out ({@code username}, a null
 * {@code from}) and the forward's own: {@code plain} and {@code groups} (NUL-separated: MQTT
 * strings may hold any character but U+0000, MQTT-1.5.4-2). Control records have
 * {@code type release} or {@code released}. Stateless; any thread.
 */
public final class StreamCodec {
    private StreamCodec() {
    }

    static final String TYPE = "type";
    static final String MSG = "msg";
    static final String RELEASE = "release";
    static final String RELEASED = "released";
    private static final Compat FORM = Compat.EMQX4;

    /** Field/value pairs of a forwarded message, ready for XADD. */
    public static List<byte[]> encode(Forward f) {
        Message m = f.message();
        List<byte[]> kv = new ArrayList<>(32);
        add(kv, TYPE, utf8(MSG));
        kv.addAll(MessageHash.fields(m, FORM));
        if (m.from() == null) {
            add(kv, "no_from", utf8("1")); // MessageHash writes "undefined" for it
        }
        if (m.username() != null) {
            add(kv, "username", utf8(m.username()));
        }
        add(kv, "plain", utf8(f.plain() ? "1" : "0"));
        if (f.again()) {
            add(kv, "again", utf8("1"));
        }
        if (!f.groups().isEmpty()) {
            add(kv, "groups", utf8(String.join("\0", f.groups())));
        }
        return kv;
    }

    /** Field/value pairs of a control record ({@link InboxRecord.Release} or {@link InboxRecord.Released}). */
    public static List<byte[]> encode(InboxRecord control) {
        List<byte[]> kv = new ArrayList<>(8);
        if (control instanceof InboxRecord.Release r) {
            add(kv, TYPE, utf8(RELEASE));
            add(kv, "client", utf8(r.clientId()));
            add(kv, "from", utf8(r.fromNode()));
            add(kv, "request", utf8(r.requestId()));
        } else if (control instanceof InboxRecord.Released r) {
            add(kv, TYPE, utf8(RELEASED));
            add(kv, "client", utf8(r.clientId()));
            add(kv, "request", utf8(r.requestId()));
        } else {
            throw new IllegalArgumentException("not a control record: " + control);
        }
        return kv;
    }

    /** Decodes a stream entry's body (as Lettuce gives it: byte[] keys, so looked up by content). */
    public static InboxRecord decode(Map<byte[], byte[]> body) {
        Map<String, byte[]> f = new LinkedHashMap<>();
        body.forEach((k, v) -> f.put(str(k), v));
        String type = String.valueOf(str(f.get(TYPE)));
        return switch (type) {
            case MSG -> message(body, f);
            case RELEASE -> new InboxRecord.Release(str(f.get("client")), str(f.get("from")), str(f.get("request")));
            case RELEASED -> new InboxRecord.Released(str(f.get("client")), str(f.get("request")));
            default -> new InboxRecord.Unknown(type);
        };
    }

    private static InboxRecord message(Map<byte[], byte[]> body, Map<String, byte[]> f) {
        // Long.MIN_VALUE as "now": the receiving broker judges expiry, the codec keeps what was sent.
        Optional<Message> read = MessageHash.read(body, null, Long.MIN_VALUE);
        if (read.isEmpty()) {
            return new InboxRecord.Unknown(MSG);
        }
        Message m = read.get();
        String from = f.containsKey("no_from") ? null : m.from();
        String username = str(f.get("username"));
        m = new Message(m.id(), m.topic(), m.payload(), m.qos(), m.retain(), from, username, m.timestamp(),
                m.expiresAt(), m.properties());
        String groups = str(f.get("groups"));
        return new InboxRecord.Forwarded(new Forward(m, "1".equals(str(f.get("plain"))),
                groups == null || groups.isEmpty() ? List.of() : Arrays.asList(groups.split("\0", -1)),
                "1".equals(str(f.get("again")))));
    }

    private static void add(List<byte[]> kv, String field, byte[] value) {
        kv.add(utf8(field));
        kv.add(value);
    }
}
