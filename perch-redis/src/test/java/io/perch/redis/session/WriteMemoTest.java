package io.perch.redis.session;

import io.perch.broker.message.MessageId;
import io.perch.broker.persist.Phase;
import io.perch.redis.codec.Compat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.perch.redis.codec.Keys.str;
import static org.assertj.core.api.Assertions.assertThat;

/** One write's memo: an id's text and a message's queue entry made once, never one for another. */
@Timeout(10)
class WriteMemoTest {
    private final MessageId m1 = new MessageId(1, 2);
    private final MessageId m2 = new MessageId(1, 3);

    private static OutEntry queued(String id, int[] subIds, String group) {
        return new OutEntry(Phase.QUEUED, 0, id, 1, false, subIds, group, group == null ? null : "a/#");
    }

    @Test
    void anIdsTextIsTheCompatFormMadeOnce() {
        for (Compat compat : Compat.values()) {
            WriteMemo memo = new WriteMemo(compat);
            String text = memo.id(m1);
            assertThat(text).isEqualTo(compat.id(m1));
            assertThat(memo.id(m1)).isSameAs(text);
            assertThat(memo.id(m2)).isEqualTo(compat.id(m2)).isNotEqualTo(text);
        }
    }

    @Test
    void equalEntriesOfAMessageShareTheirBytesAndOthersGetTheirOwn() {
        WriteMemo memo = new WriteMemo(Compat.PERCH);
        String id = memo.id(m1);
        byte[] first = memo.entry(m1, queued(id, new int[]{7}, null));

        assertThat(memo.entry(m1, queued(id, new int[]{7}, null))).as("equal ids in another array").isSameAs(first);
        assertThat(str(first)).isEqualTo(queued(id, new int[]{7}, null).encode());

        byte[] otherIds = memo.entry(m1, queued(id, new int[]{8}, null));
        assertThat(str(otherIds)).isEqualTo(queued(id, new int[]{8}, null).encode());
        byte[] shared = memo.entry(m1, queued(id, new int[]{8}, "g"));
        assertThat(OutEntry.decode(str(shared)).shareGroup()).isEqualTo("g");
        byte[] sent = memo.entry(m1, new OutEntry(Phase.SENT, 5, id, 1, false, new int[]{8}, "g", "a/#"));
        assertThat(OutEntry.decode(str(sent)).packetId()).isEqualTo(5);
        assertThat(OutEntry.decode(str(sent)).phase()).isEqualTo(Phase.SENT);

        String id2 = memo.id(m2);
        assertThat(OutEntry.decode(str(memo.entry(m2, queued(id2, new int[]{8}, "g")))).messageId()).isEqualTo(id2);
    }
}
