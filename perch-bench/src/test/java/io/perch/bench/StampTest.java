package io.perch.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.perch.bench.payload.Stamp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StampTest {

    @Test
    void roundTripsAndPadsToTheSize() {
        ByteBuf buf = Unpooled.buffer();
        Stamp.write(buf, 100, 123_456_789_012L, 42, 9_000_000_001L);

        assertThat(buf.readableBytes()).isEqualTo(100);
        assertThat(Stamp.isStamped(buf)).isTrue();
        assertThat(Stamp.sendNanos(buf)).isEqualTo(123_456_789_012L);
        assertThat(Stamp.publisher(buf)).isEqualTo(42);
        assertThat(Stamp.sequence(buf)).isEqualTo(9_000_000_001L);
        for (int i = Stamp.SIZE; i < 100; i++) {
            assertThat(buf.getByte(i)).isZero();
        }
    }

    @Test
    void readsRelativeToTheReaderIndexWithoutMovingIt() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(new byte[] {1, 2, 3});
        Stamp.write(buf, Stamp.SIZE, -5, 0, 7);
        buf.readerIndex(3);

        assertThat(Stamp.isStamped(buf)).isTrue();
        assertThat(Stamp.sendNanos(buf)).isEqualTo(-5);
        assertThat(Stamp.sequence(buf)).isEqualTo(7);
        assertThat(buf.readerIndex()).isEqualTo(3);
    }

    @Test
    void foreignAndShortPayloadsAreNotStamped() {
        assertThat(Stamp.isStamped(Unpooled.copiedBuffer("hello from mosquitto_pub!", StandardCharsets.UTF_8)))
                .isFalse();
        ByteBuf shortOne = Unpooled.buffer();
        Stamp.write(shortOne, Stamp.SIZE, 1, 1, 1);
        shortOne.writerIndex(Stamp.SIZE - 1);
        assertThat(Stamp.isStamped(shortOne)).isFalse();
    }

    @Test
    void refusesASizeBelowTheStamp() {
        assertThatThrownBy(() -> Stamp.write(Unpooled.buffer(), Stamp.SIZE - 1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
