package io.perch.broker.message;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MessageIdGeneratorTest {
    @Test
    void idsIncreaseEvenWhenTheClockStandsStillOrStepsBack() {
        MessageIdGenerator g = new MessageIdGenerator("n@h");
        MessageId a = g.next(1_000_000);
        MessageId b = g.next(1_000_000);
        MessageId c = g.next(500_000);
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
    }

    @Test
    void aFloorFromTheStoreLiftsEveryLaterIdAboveIt() {
        MessageIdGenerator g = new MessageIdGenerator("n@h");
        long floor = MessageIdGenerator.nowMicros() + 3_600_000_000L; // the store holds messages an hour ahead
        g.above(floor);
        assertThat(g.next().timestampMicros()).isEqualTo(floor + 1);
        g.above(floor - 10); // a lower floor changes nothing
        assertThat(g.next().timestampMicros()).isEqualTo(floor + 2);
    }
}
