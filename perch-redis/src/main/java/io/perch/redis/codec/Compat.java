package io.perch.redis.codec;

import io.perch.broker.message.MessageId;

/**
 * What the writer puts in Redis: Perch's own form (the seed's: base62 ids, Unix seconds) or
 * EMQ X 4.x's ({@code backend.redis.compat = emqx4}: 47-character ids, milliseconds), so that
 * applications written against either keep working. Sorted-set scores are milliseconds in
 * both.
 */
public enum Compat {
    PERCH, EMQX4;

    public String id(MessageId id) {
        return this == EMQX4 ? Emqx4Id.encode(id) : Base62Id.encode(id);
    }

    /** A timestamp field value from epoch milliseconds. */
    public String timestamp(long millis) {
        return this == EMQX4 ? Long.toString(millis) : Long.toString(millis / 1000L);
    }

    /**
     * Epoch milliseconds from a timestamp field of either form: values below 10^11 are
     * seconds (10^11 seconds is the year 5138; 10^11 milliseconds is 1973).
     */
    public static long parseTimestamp(String text) {
        long v = Long.parseLong(text.trim());
        return v < 100_000_000_000L ? v * 1000L : v;
    }
}
