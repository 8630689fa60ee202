package io.perch.dashboard.alarm;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.perch.broker.testkit.BrokerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code jvm_heap_high/node} rule checked by {@link AlarmChecks} on a real broker, with the
 * heap figure given (a real heap cannot be steered to 79 % and 91 % on demand; AlarmsApiTest
 * raises the alarm from the real heap): raised above the high watermark, kept until the heap
 * is below the low one, then cleared into the history.
 */
@Timeout(60)
class HeapWatchTest {
    private static final long MAX = 1000;

    private BrokerFixture broker;
    private AlarmBook book;
    private AlarmChecks checks;
    private final AtomicLong used = new AtomicLong();
    private long now = 1_000;

    @BeforeEach
    void start() {
        broker = BrokerFixture.start();
        book = new AlarmBook(broker.broker().service(), new ObjectMapper(), 10);
        HeapWatch heap = new HeapWatch(0.9, 0.8, () -> new HeapWatch.Figure(used.get(), MAX, true));
        checks = new AlarmChecks(broker.broker().service(), book, () -> now, heap);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private boolean raisedAt(long heapUsed) {
        used.set(heapUsed);
        now += 1_000;
        checks.check();
        return book.active().stream().anyMatch(a -> a.name().equals("jvm_heap_high/node"));
    }

    @Test
    void raisedAboveTheHighWatermarkAndClearedOnlyBelowTheLowOne() {
        assertThat(raisedAt(850)).isFalse();
        assertThat(raisedAt(900)).as("at the mark is not above it").isFalse();
        assertThat(raisedAt(910)).isTrue();
        Alarm a = book.active().get(0);
        assertThat(a.details()).containsEntry("used_bytes", 910L).containsEntry("max_bytes", MAX)
                .containsEntry("percent", 91.0).containsEntry("high_watermark", 90.0)
                .containsEntry("low_watermark", 80.0).containsEntry("measured", "after_gc");
        assertThat(a.message()).contains("91.0 %", "above 90.0 %", "below 80.0 %");
        long raisedAt = a.activatedAt();
        // Between the marks it stays raised, with the figure of the latest check.
        assertThat(raisedAt(850)).isTrue();
        assertThat(raisedAt(800)).isTrue();
        assertThat(book.active().get(0).details()).containsEntry("percent", 80.0);
        assertThat(book.active().get(0).activatedAt()).isEqualTo(raisedAt);
        assertThat(book.history()).isEmpty();
        // Below the low mark it clears; between the marks again it does not come back.
        assertThat(raisedAt(790)).isFalse();
        assertThat(book.history()).extracting(Alarm::name).containsExactly("jvm_heap_high/node");
        assertThat(raisedAt(890)).isFalse();
        assertThat(raisedAt(950)).isTrue();
    }

    @Test
    void noMaximumKnownRaisesNothing() {
        HeapWatch heap = new HeapWatch(0.9, 0.8, () -> new HeapWatch.Figure(5_000, -1, false));
        new AlarmChecks(broker.broker().service(), book, () -> now, heap).check();
        assertThat(book.active()).isEmpty();
    }

    @Test
    void theRealJvmGivesAFigureWithinItsMaximum() {
        HeapWatch.Figure f = HeapWatch.measure();
        assertThat(f.max()).isPositive();
        assertThat(f.used()).isBetween(0L, f.max());
    }

    /**
     * The real figure: what the last collection left, young collections included. Data held
     * across young collections only is counted (a figure that waited for a full collection, as
     * G1's old-generation pool does on Java 17, would not see it until the heap was nearly full).
     */
    @Test
    void theMeasuredHeapIsWhatTheLastCollectionLeftYoungOnesIncluded() {
        byte[] held = new byte[32 << 20];
        long collections = collections();
        byte[] churn = null;
        for (int i = 0; i < 100_000 && collections() == collections; i++) {
            churn = new byte[1 << 20]; // garbage, until a collection has run since the array above
        }
        assertThat(collections()).as("a collection ran").isGreaterThan(collections);
        HeapWatch.Figure f = HeapWatch.measure();
        assertThat(f.afterGc()).isTrue();
        assertThat(f.used()).isGreaterThanOrEqualTo(held.length);
        assertThat(f.max()).isGreaterThan(f.used());
        held[held.length - 1] = churn[0]; // both reachable until here
    }

    private static long collections() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionCount).sum();
    }
}
