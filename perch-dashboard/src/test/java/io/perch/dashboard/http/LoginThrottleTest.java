package io.perch.dashboard.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.dashboard.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-IP back-off on its own, with a hand-moved clock and several source addresses. */
class LoginThrottleTest {
    private final MutableClock clock = new MutableClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LoginThrottle throttle = new LoginThrottle(clock, registry);

    private void fail(String ip, int times) {
        for (int i = 0; i < times; i++) {
            throttle.failure(ip);
        }
    }

    @Test
    void fiveFailuresWithinAMinuteBlockOnlyThatIp() {
        fail("10.0.0.1", 4);
        assertThat(throttle.blocked("10.0.0.1")).isEmpty();
        fail("10.0.0.1", 1);
        assertThat(throttle.blocked("10.0.0.1")).hasValue(60);
        assertThat(throttle.blocked("10.0.0.2")).isEmpty();
        assertThat(throttle.blocked("::1")).isEmpty();
        fail("10.0.0.2", 3);
        assertThat(throttle.blocked("10.0.0.2")).isEmpty();

        clock.advance(Duration.ofSeconds(59));
        assertThat(throttle.blocked("10.0.0.1")).hasValue(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.blocked("10.0.0.1")).isEmpty();

        assertThat(registry.counter("perch.dashboard.login.failures").count()).isEqualTo(8);
        assertThat(registry.counter("perch.dashboard.login.throttled").count()).isEqualTo(2);
    }

    @Test
    void failuresSpreadOverMoreThanAMinuteDoNotBlock() {
        for (int i = 0; i < 10; i++) {
            throttle.failure("10.0.0.3");
            clock.advance(Duration.ofSeconds(15)); // never 5 within 60 s
        }
        assertThat(throttle.blocked("10.0.0.3")).isEmpty();
    }

    @Test
    void backOffDoublesUpToFifteenMinutesAndSuccessForgets() {
        long[] expected = {60, 120, 240, 480, 900, 900};
        for (long seconds : expected) {
            fail("10.0.0.4", 5);
            assertThat(throttle.blocked("10.0.0.4")).hasValue(seconds);
            clock.advance(Duration.ofSeconds(seconds));
            assertThat(throttle.blocked("10.0.0.4")).isEmpty();
        }
        throttle.success("10.0.0.4");
        fail("10.0.0.4", 5);
        assertThat(throttle.blocked("10.0.0.4")).hasValue(60);
    }

    @Test
    void aLongQuietSpellResetsTheBackOff() {
        fail("10.0.0.5", 5);
        clock.advance(Duration.ofSeconds(60));
        fail("10.0.0.5", 5);
        assertThat(throttle.blocked("10.0.0.5")).hasValue(120);
        clock.advance(Duration.ofMinutes(20));
        fail("10.0.0.5", 5);
        assertThat(throttle.blocked("10.0.0.5")).hasValue(60);
    }
}
