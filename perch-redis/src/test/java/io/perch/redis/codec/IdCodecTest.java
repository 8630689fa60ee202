package io.perch.redis.codec;

import io.perch.broker.message.MessageId;
import io.perch.broker.message.MessageIdGenerator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class IdCodecTest {

    @Test
    void theSeedsIdDecodesToItsPublishTime() {
        MessageId id = Ids.parse("2VFt0kuNrOktefX6m4nP").orElseThrow();
        // The seed's message details show ts 1542338754 for this id.
        assertThat(Instant.ofEpochMilli(Ids.millis(id)).getEpochSecond()).isBetween(1542338700L, 1542338800L);
        assertThat(Base62Id.encode(id)).isEqualTo("2VFt0kuNrOktefX6m4nP");
    }

    @Test
    void base62IsTwentyCharactersAndSortsByTimeAsText() {
        MessageIdGenerator gen = new MessageIdGenerator("perch@127.0.0.1");
        List<String> texts = new ArrayList<>();
        List<MessageId> ids = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            MessageId id = gen.next();
            ids.add(id);
            texts.add(Base62Id.encode(id));
        }
        for (int i = 0; i < texts.size(); i++) {
            assertThat(texts.get(i)).hasSize(20).matches("[0-9A-Za-z]+");
            assertThat(Base62Id.decode(texts.get(i))).isEqualTo(ids.get(i));
            if (i > 0) {
                assertThat(texts.get(i)).isGreaterThan(texts.get(i - 1));
            }
        }
    }

    @Test
    void smallIdsArePaddedAndExtremesRoundTrip() {
        for (MessageId id : List.of(new MessageId(0, 0), new MessageId(0, 1), new MessageId(-1, -1),
                new MessageId(Long.MIN_VALUE, 0))) {
            String t = Base62Id.encode(id);
            assertThat(t.length()).isBetween(20, 22);
            assertThat(Base62Id.decode(t)).isEqualTo(id);
            assertThat(Emqx4Id.decode(Emqx4Id.encode(id))).isEqualTo(id);
        }
        assertThat(Base62Id.encode(new MessageId(0, 0))).isEqualTo("00000000000000000000");
    }

    @Test
    void emqx4FormIsFortySevenCharactersForTodaysIdsAndRoundTrips() {
        MessageIdGenerator gen = new MessageIdGenerator("emqx@127.0.0.1");
        Random rnd = new Random(7);
        for (int i = 0; i < 500; i++) {
            MessageId id = i % 2 == 0 ? gen.next() : new MessageId(rnd.nextLong(), rnd.nextLong());
            String t = Emqx4Id.encode(id);
            if (i % 2 == 0) {
                assertThat(t).hasSize(47);
            }
            assertThat(t).matches("([A-Za-z0-8]|9[ABC])+");
            assertThat(Emqx4Id.decode(t)).isEqualTo(id);
            assertThat(Ids.parse(t)).contains(id);
        }
    }

    @Test
    void emqx4EncodingPacksTheDecimalTextSixBitsACharacter() {
        // 128-bit value 12: decimal text "12" = 0x31 0x32 = 001100 010011 0010 -> M, T, then the 4 trailing bits (2) -> C
        assertThat(Emqx4Id.encode(new MessageId(0, 12))).isEqualTo("MTC");
        // "1" = 0x31 = 001100 01 -> M, then 2 trailing bits (1) -> B
        assertThat(Emqx4Id.encode(new MessageId(0, 1))).isEqualTo("MB");
        assertThat(Emqx4Id.decode("MTC")).isEqualTo(new MessageId(0, 12));
    }

    @Test
    void emqx4DecimalTextMatchesBigIntegersForAnyId() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        List<MessageId> ids = new java.util.ArrayList<>(List.of(new MessageId(0, 0), new MessageId(0, 999_999_999),
                new MessageId(0, 1_000_000_000), new MessageId(0, -1), new MessageId(-1, -1), new MessageId(1, 0),
                new MessageId(Long.MIN_VALUE, 0)));
        for (int i = 0; i < 10_000; i++) {
            ids.add(new MessageId(r.nextLong(), r.nextLong()));
            ids.add(new MessageId(r.nextLong(1L << 52), r.nextLong())); // today's: the time in microseconds on top
        }
        for (MessageId id : ids) {
            assertThat(new String(Emqx4Id.decimal(id), java.nio.charset.StandardCharsets.US_ASCII))
                    .as("%s", id).isEqualTo(Ids.toUnsigned(id).toString());
            assertThat(Emqx4Id.decode(Emqx4Id.encode(id))).isEqualTo(id);
        }
    }

    @Test
    void readersRejectGarbage() {
        assertThat(Ids.parse("not-an-id!")).isEmpty();
        assertThat(Ids.parse("")).isEmpty();
        assertThat(Ids.parse("zzzzzzzzzzzzzzzzzzzzzz")).isEmpty();
    }

    @Test
    void timestampsAreSecondsOrMillisecondsByCompatAndReadBothWays() {
        assertThat(Compat.PERCH.timestamp(1542338754123L)).isEqualTo("1542338754");
        assertThat(Compat.EMQX4.timestamp(1542338754123L)).isEqualTo("1542338754123");
        assertThat(Compat.parseTimestamp("1542338754")).isEqualTo(1542338754000L);
        assertThat(Compat.parseTimestamp("1542338754123")).isEqualTo(1542338754123L);
    }
}
