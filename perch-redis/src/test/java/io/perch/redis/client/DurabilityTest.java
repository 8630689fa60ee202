package io.perch.redis.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The durability value, the barrier's reading of replies and the version comparison, without Redis. */
class DurabilityTest {
    @Test
    void modesAreSpelledAsPersistenceAckAndTimeoutsMustBePositive() {
        assertThat(Durability.REPLY).hasToString("redis");
        assertThat(Durability.replicas(2, Duration.ofMillis(500))).hasToString("replicas:2")
                .isEqualTo(Durability.replicas(2, Duration.ofMillis(500)));
        assertThat(Durability.fsync(Duration.ofSeconds(1))).hasToString("fsync");
        assertThat(Durability.REPLY.needsBarrier()).isFalse();
        assertThatThrownBy(() -> Durability.replicas(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        // WAIT n 0 would block the pool's connection forever.
        assertThatThrownBy(() -> Durability.fsync(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBarrierReplyIsJudgedAgainstTheMode() {
        Durability two = Durability.replicas(2, Duration.ofMillis(500));
        assertThat(DurabilityBarrier.shortfall(two, 2L)).isNull();
        assertThat(DurabilityBarrier.shortfall(two, 3L)).isNull();
        assertThat(DurabilityBarrier.shortfall(two, 1L))
                .isEqualTo("1 of 2 replicas acknowledged within 500 ms (persistence.ack = replicas:2)");
        Durability fsync = Durability.fsync(Duration.ofMillis(100));
        assertThat(DurabilityBarrier.shortfall(fsync, List.of(1L, 0L))).isNull();
        assertThat(DurabilityBarrier.shortfall(fsync, List.of(0L, 0L)))
                .isEqualTo("the master's AOF was not fsynced within 100 ms (WAITAOF answered [0, 0]; persistence.ack = fsync)");
    }

    @Test
    void versionsCompareByMajorAndMinor() {
        assertThat(DurabilityCheck.atLeast("7.2.0", 7, 2)).isTrue();
        assertThat(DurabilityCheck.atLeast("7.10.1", 7, 2)).isTrue();
        assertThat(DurabilityCheck.atLeast("8.0.0", 7, 2)).isTrue();
        assertThat(DurabilityCheck.atLeast("7.0.15", 7, 2)).isFalse();
        assertThat(DurabilityCheck.atLeast("6.2.6", 7, 2)).isFalse();
        assertThat(DurabilityCheck.field("# Server\r\nredis_version:7.0.15\r\nx:1\r\n", "redis_version")).isEqualTo("7.0.15");
    }
}
