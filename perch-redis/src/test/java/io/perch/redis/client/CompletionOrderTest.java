package io.perch.redis.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CompletionOrderTest {
    private final CompletionOrder order = new CompletionOrder();
    private final List<Integer> ran = new ArrayList<>();

    private Runnable record(int n) {
        return () -> ran.add(n);
    }

    @Test
    void aCompletionWaitsForEveryEarlierOne() {
        order.complete(1, record(1));
        order.complete(2, record(2));
        assertThat(ran).isEmpty();
        assertThat(order.waiting()).isEqualTo(2);
        order.complete(0, record(0));
        assertThat(ran).containsExactly(0, 1, 2);
        assertThat(order.waiting()).isZero();
    }

    @Test
    void aSkippedOneRunsAtOnceAndLetsTheLaterOnesGo() {
        order.complete(0, record(0));
        order.complete(2, record(2));
        order.skip(3, record(3));
        assertThat(ran).containsExactly(0, 3);
        order.skip(1, record(1));
        assertThat(ran).containsExactly(0, 3, 1, 2);
        order.complete(4, record(4));
        assertThat(ran).containsExactly(0, 3, 1, 2, 4);
    }
}
