package io.perch.redis.session;

import io.perch.broker.message.MessageId;
import io.perch.redis.codec.Compat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import static io.perch.redis.codec.Keys.utf8;

/**
 * What the batches of one write make once and share: the text of each message id, and the
 * encoded queue entry of a message, which every session the message is queued for stores
 * alike. With ten sessions away, a message's id text and entry were made ten times per write;
 * a profile of that load found them a quarter of the pool thread's translation, which runs
 * between one write's reply and the next write.
 *
 * <p>Threads: one write's translation, on one thread at a time.
 */
final class WriteMemo {
    private final Compat compat;
    private final Map<MessageId, String> ids = new HashMap<>();
    private final Map<MessageId, Encoded> entries = new HashMap<>();

    private record Encoded(OutEntry entry, byte[] bytes) {
    }

    WriteMemo(Compat compat) {
        this.compat = compat;
    }

    /** The message id as the store writes it ({@link Compat#id}). */
    String id(MessageId id) {
        String text = ids.get(id);
        if (text == null) {
            text = compat.id(id);
            ids.put(id, text);
        }
        return text;
    }

    /** {@code entry} encoded: the bytes made for an equal entry of the same message, or new ones. */
    byte[] entry(MessageId id, OutEntry entry) {
        Encoded last = entries.get(id);
        if (last != null && same(last.entry, entry)) {
            return last.bytes;
        }
        byte[] bytes = utf8(entry.encode());
        entries.put(id, new Encoded(entry, bytes));
        return bytes;
    }

    /** As the record's equals, with the subscription ids compared by content. */
    private static boolean same(OutEntry a, OutEntry b) {
        return a.phase() == b.phase() && a.packetId() == b.packetId() && a.qos() == b.qos() && a.retain() == b.retain()
                && a.messageId().equals(b.messageId()) && Arrays.equals(a.subscriptionIds(), b.subscriptionIds())
                && Objects.equals(a.shareGroup(), b.shareGroup()) && Objects.equals(a.shareFilter(), b.shareFilter());
    }
}
