package io.perch.bench;

import io.perch.bench.stats.SequenceWindow;
import io.perch.bench.stats.SequenceWindow.Arrival;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SequenceWindowTest {

    @Test
    void inOrderStreamIsAllInOrder() {
        SequenceWindow w = new SequenceWindow();
        for (long s = 0; s < 10_000; s++) {
            assertThat(w.accept(s)).isEqualTo(Arrival.IN_ORDER);
        }
        assertThat(w.highest()).isEqualTo(9_999);
    }

    @Test
    void repeatsAreDuplicatesAndLateOnesAreOutOfOrder() {
        SequenceWindow w = new SequenceWindow();
        assertThat(w.accept(0)).isEqualTo(Arrival.IN_ORDER);
        assertThat(w.accept(2)).isEqualTo(Arrival.IN_ORDER); // a gap is not disorder by itself
        assertThat(w.accept(1)).isEqualTo(Arrival.OUT_OF_ORDER);
        assertThat(w.accept(1)).isEqualTo(Arrival.DUPLICATE);
        assertThat(w.accept(2)).isEqualTo(Arrival.DUPLICATE);
        assertThat(w.accept(0)).isEqualTo(Arrival.DUPLICATE);
        assertThat(w.accept(3)).isEqualTo(Arrival.IN_ORDER);
    }

    @Test
    void slotsReusedAfterTheWindowMovesOnAreFresh() {
        SequenceWindow w = new SequenceWindow();
        w.accept(5);
        // 5 + WINDOW maps to the same bit as 5; it must count as new, and 5 + WINDOW - 1 as missing.
        assertThat(w.accept(5 + SequenceWindow.WINDOW)).isEqualTo(Arrival.IN_ORDER);
        assertThat(w.accept(4 + SequenceWindow.WINDOW)).isEqualTo(Arrival.OUT_OF_ORDER);
        assertThat(w.accept(5 + SequenceWindow.WINDOW)).isEqualTo(Arrival.DUPLICATE);
    }

    @Test
    void numbersOlderThanTheWindowCountAsOutOfOrder() {
        SequenceWindow w = new SequenceWindow();
        w.accept(0);
        w.accept(10 * SequenceWindow.WINDOW);
        assertThat(w.accept(0)).isEqualTo(Arrival.OUT_OF_ORDER);
        assertThat(w.accept(1)).isEqualTo(Arrival.OUT_OF_ORDER);
    }
}
