package io.perch.broker.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecentOffendersTest {
    private long now;

    @Test
    void eachKeyIsFirstOncePerWindow() {
        RecentOffenders o = new RecentOffenders(10, 1000, () -> now);
        assertThat(o.firstInWindow("host 10.0.0.1")).isTrue();
        assertThat(o.firstInWindow("host 10.0.0.1")).isFalse();
        assertThat(o.firstInWindow("host 10.0.0.2")).isTrue();
        now = 999;
        assertThat(o.firstInWindow("host 10.0.0.1")).isFalse();
        now = 1000;
        assertThat(o.firstInWindow("host 10.0.0.1")).as("forgotten after the window").isTrue();
        assertThat(o.size()).isEqualTo(1); // 10.0.0.2 expired as well
    }

    @Test
    void boundedByCapacityOldestForgottenFirst() {
        RecentOffenders o = new RecentOffenders(3, 1000, () -> now);
        for (String k : new String[] {"a", "b", "c", "d"}) {
            assertThat(o.firstInWindow(k)).isTrue();
        }
        assertThat(o.size()).isEqualTo(3);
        assertThat(o.firstInWindow("d")).isFalse();
        assertThat(o.firstInWindow("a")).as("the oldest made room").isTrue();
    }
}
