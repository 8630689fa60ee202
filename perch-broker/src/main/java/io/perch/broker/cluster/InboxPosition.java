package io.perch.broker.cluster;

/**
 * Where a forwarded message was read: the receiving node's inbox (named by its node) and the
 * stream entry id there ({@code <ms>-<seq>}, increasing). A session remembers the last position
 * per inbox it accepted ({@link ForwardMarks}), so that an entry read again after a crash
 * (delivered, not yet acknowledged) is not taken twice.
 */
public record InboxPosition(String inbox, long ms, long seq) {
    /** Parses a stream entry id {@code <ms>-<seq>}; null when it is not one. */
    public static InboxPosition of(String inbox, String entryId) {
        int dash = entryId == null ? -1 : entryId.indexOf('-');
        if (dash <= 0) {
            return null;
        }
        try {
            return new InboxPosition(inbox, Long.parseLong(entryId, 0, dash, 10),
                    Long.parseLong(entryId, dash + 1, entryId.length(), 10));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** True when this entry comes after {@code other} in the same inbox. */
    public boolean after(InboxPosition other) {
        return ms > other.ms || (ms == other.ms && seq > other.seq);
    }

    /** The stream entry id. */
    public String entryId() {
        return ms + "-" + seq;
    }
}
