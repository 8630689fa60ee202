package io.perch.redis.codec;

import io.perch.broker.message.MessageId;

import java.math.BigInteger;
import java.util.Optional;

/** Reading and writing message ids as text, in either form; readers accept both. */
public final class Ids {
    private static final BigInteger MASK64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private Ids() {
    }

    /** The 128-bit id as four 32-bit limbs, most significant first, for {@link #divide}. */
    static long[] limbs(MessageId id) {
        return new long[]{id.hi() >>> 32, id.hi() & 0xFFFF_FFFFL, id.lo() >>> 32, id.lo() & 0xFFFF_FFFFL};
    }

    /**
     * Divides the unsigned number in {@code limbs} by {@code divisor} in place and returns the
     * remainder: long division, no BigInteger on the paths that write an id for every message.
     * {@code divisor} must be below 2^31, so that a remainder shifted by 32 bits fits a long.
     */
    static long divide(long[] limbs, long divisor) {
        long rem = 0;
        for (int i = 0; i < limbs.length; i++) {
            long cur = (rem << 32) | limbs[i];
            limbs[i] = cur / divisor;
            rem = cur % divisor;
        }
        return rem;
    }

    static boolean isZero(long[] limbs) {
        return (limbs[0] | limbs[1] | limbs[2] | limbs[3]) == 0;
    }

    static BigInteger toUnsigned(MessageId id) {
        BigInteger hi = new BigInteger(Long.toUnsignedString(id.hi()));
        BigInteger lo = new BigInteger(Long.toUnsignedString(id.lo()));
        return hi.shiftLeft(64).or(lo);
    }

    static MessageId fromUnsigned(BigInteger n) {
        return new MessageId(n.shiftRight(64).longValue(), n.and(MASK64).longValue());
    }

    /**
     * Decodes either form. Base62 ids are at most 22 characters; EMQ X 4 ids are longer
     * (47 today), so the length tells them apart.
     */
    public static Optional<MessageId> parse(String text) {
        try {
            return Optional.of(text.length() <= 22 ? Base62Id.decode(text) : Emqx4Id.decode(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Publish time in epoch milliseconds carried by an id's high half. */
    public static long millis(MessageId id) {
        return id.hi() / 1000L;
    }
}
