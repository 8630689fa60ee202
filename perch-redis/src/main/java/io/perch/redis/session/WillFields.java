package io.perch.redis.session;

import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.persist.StoredSession;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.codec.Compat;
import io.perch.redis.codec.MessageHash;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * A will inside {@code perch:session:{cid}}: the fields {@link MessageHash} writes for a message,
 * each prefixed {@code will.}, and {@code will.delay} (seconds). Setting a will first deletes
 * every field a will can have, since the optional ones differ from will to will. Stateless; any thread.
 *
 * <p>The broker keeps a will as its client sent it, a template ({@code io.perch.broker.core.Wills}):
 * no message id until it is published, and its Message Expiry Interval in seconds, counted from
 * its publication, in {@code expiresAt}. So {@code will.id} is written only when the will has an
 * id, a will read back without one gets {@link #TEMPLATE_ID} (the broker gives it a new id when it
 * publishes it), and {@code will.expires_at} is never taken for a time that has passed.
 */
final class WillFields {
    static final String PREFIX = "will.";
    /** The id a will read back without {@code will.id} carries: a placeholder, replaced when it is published. */
    static final String TEMPLATE_ID = Base62Id.encode(new MessageId(0, 0));
    static final byte[] DELAY = utf8(PREFIX + "delay");
    /** Every field a stored message can have (the seed's seven, then OptionalFields'), plus the delay. */
    static final byte[][] ALL = names("id", "from", "qos", "topic", "payload", "ts", "retain", "expires_at",
            "payload_format", "content_type", "response_topic", "correlation_data", "user_properties", "delay");

    private WillFields() {
    }

    private static byte[][] names(String... fields) {
        byte[][] out = new byte[fields.length][];
        for (int i = 0; i < fields.length; i++) {
            out[i] = utf8(PREFIX + fields[i]);
        }
        return out;
    }

    /** Field/value pairs for HSET. */
    static List<byte[]> fields(Message will, long delaySeconds, Compat compat) {
        boolean template = will.id() == null;
        List<byte[]> kv = template ? MessageHash.fields(will, compat, "") : MessageHash.fields(will, compat);
        List<byte[]> out = new ArrayList<>(kv.size() + 2);
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            String field = str(kv.get(i));
            if (template && field.equals("id")) {
                continue;
            }
            out.add(utf8(PREFIX + field));
            out.add(kv.get(i + 1));
        }
        out.add(DELAY);
        out.add(utf8(Long.toString(delaySeconds)));
        return out;
    }

    /** The will in a session hash (field names as text), or null when it has none. */
    static StoredSession.StoredWill read(Map<String, byte[]> session) {
        byte[] delay = session.get(PREFIX + "delay");
        if (delay == null) {
            return null;
        }
        Map<byte[], byte[]> msg = new LinkedHashMap<>();
        session.forEach((k, v) -> {
            if (k.startsWith(PREFIX) && !k.equals(PREFIX + "delay")) {
                msg.put(utf8(k.substring(PREFIX.length())), v);
            }
        });
        // Long.MIN_VALUE as "now": will.expires_at is an interval that starts at publication, not a time.
        Optional<Message> m = MessageHash.read(msg, TEMPLATE_ID, Long.MIN_VALUE);
        return m.map(message -> new StoredSession.StoredWill(message, Long.parseLong(str(delay)))).orElse(null);
    }
}
