package io.perch.broker.cluster;

import java.util.HashMap;
import java.util.Map;

/**
 * For one session: the last inbox entry it accepted, per inbox. Inboxes hand entries on in
 * stream order, so an entry at or before the mark was accepted (or judged) already: one read
 * again after a crash is skipped rather than delivered twice. The marks of QoS 2 messages are
 * stored with the message ({@code Change.ForwardMarked}); a QoS 1 one read again may repeat,
 * as QoS 1 allows.
 *
 * <p>A session in memory marks an entry when it accepts it, before its write is durable: an
 * entry read again within a run because its deliver failed (a write Redis applied but no replica
 * confirmed, say) is not taken a second time by a session that holds it already; the session
 * still has the message and delivers it to its client. A stored session not in memory marks it
 * only once its write succeeded: that write is its only copy.
 *
 * <p>Not thread-safe: guarded by its owner's lock (the session's monitor, or the client id's
 * lock for a session not in memory).
 */
public final class ForwardMarks {
    private Map<String, InboxPosition> last; // made on the first mark

    /** From what a store kept: inbox -> entry id. */
    public static ForwardMarks of(Map<String, String> stored) {
        ForwardMarks m = new ForwardMarks();
        if (stored != null) {
            stored.forEach((inbox, id) -> {
                InboxPosition p = InboxPosition.of(inbox, id);
                if (p != null) {
                    m.mark(p);
                }
            });
        }
        return m;
    }

    /** Adds these marks to {@code into} (each mark there moves forward only). */
    public void copyInto(ForwardMarks into) {
        if (last != null) {
            last.values().forEach(into::mark);
        }
    }

    /** True when {@code p} is at or before the last entry accepted from its inbox. */
    public boolean seen(InboxPosition p) {
        InboxPosition mark = last == null ? null : last.get(p.inbox());
        return mark != null && !p.after(mark);
    }

    /** Notes {@code p} as accepted (a mark never moves back). */
    public void mark(InboxPosition p) {
        if (last == null) {
            last = new HashMap<>(2);
        }
        last.merge(p.inbox(), p, (old, p2) -> p2.after(old) ? p2 : old);
    }
}
