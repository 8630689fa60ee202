package io.perch.auth;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.auth.spi.AclSource;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.perch.broker.hook.event.AclCheckEvent.Decision.ALLOW;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.DENY;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.IGNORE;
import static org.assertj.core.api.Assertions.assertThat;

/** The chain's order, its cache (TTL, size, reload, uncacheable sources) and what a failing source does. */
class AclChainTest {
    private static final ClientInfo C = new ClientInfo("c", "u", "127.0.0.1", 1, 5, true, 60, 0, "n", "tcp");
    private final AtomicLong now = new AtomicLong();

    /** A source answering from a field, counting how often it is asked. */
    private static final class Source implements AclSource {
        volatile AclCheckEvent.Decision answer;
        volatile RuntimeException failure;
        final AtomicInteger asked = new AtomicInteger();
        final boolean cacheable;
        Runnable changed;

        Source(AclCheckEvent.Decision answer, boolean cacheable) {
            this.answer = answer;
            this.cacheable = cacheable;
        }

        @Override
        public String name() {
            return "s";
        }

        @Override
        public CompletionStage<AclCheckEvent.Decision> check(ClientInfo client, AclCheckEvent.Action action, String topic) {
            asked.incrementAndGet();
            return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(answer);
        }

        @Override
        public void onChange(Runnable listener) {
            changed = listener;
        }

        @Override
        public boolean cacheable() {
            return cacheable;
        }
    }

    private AclChain chain(Source... sources) {
        return new AclChain(List.of(sources), new AclCache(true, 2, Duration.ofSeconds(60), now::get),
                new AuthMetrics(new SimpleMeterRegistry()));
    }

    private AclCheckEvent.Decision check(AclChain chain, String topic) {
        var r = chain.call(new AclCheckEvent(C, AclCheckEvent.Action.PUBLISH, topic, IGNORE)).toCompletableFuture().join();
        return r.isStop() ? r.event().decision() : IGNORE;
    }

    @Test
    void theFirstSourceThatDecidesWinsAndIsCachedForItsTtl() {
        Source first = new Source(IGNORE, true);
        Source second = new Source(DENY, true);
        AclChain chain = chain(first, second);
        assertThat(check(chain, "t")).isEqualTo(DENY);
        assertThat(second.asked).hasValue(1);
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        second.answer = ALLOW;
        assertThat(check(chain, "t")).isEqualTo(ALLOW);
        assertThat(second.asked).hasValue(2);
    }

    @Test
    void aReloadDropsWhatWasCached() {
        Source s = new Source(DENY, true);
        AclChain chain = chain(s);
        assertThat(check(chain, "t")).isEqualTo(DENY);
        s.answer = ALLOW;
        s.changed.run();
        assertThat(check(chain, "t")).isEqualTo(ALLOW);
    }

    @Test
    void aDecisionThatPassedAnUncacheableSourceIsAskedAgain() {
        Source token = new Source(IGNORE, false);
        Source file = new Source(ALLOW, true);
        AclChain chain = chain(token, file);
        check(chain, "t");
        check(chain, "t");
        assertThat(file.asked).as("asked on every check").hasValue(2);
    }

    @Test
    void aFailingSourceDeniesAndIsNotRemembered() {
        Source s = new Source(ALLOW, true);
        s.failure = new IllegalStateException("Redis down");
        AclChain chain = chain(s);
        assertThat(check(chain, "t")).isEqualTo(DENY);
        s.failure = null;
        assertThat(check(chain, "t")).isEqualTo(ALLOW);
    }

    @Test
    void eachClientKeepsAtMostTheConfiguredNumberOfEntries() {
        Source s = new Source(ALLOW, true);
        AclChain chain = chain(s);
        check(chain, "a");
        check(chain, "b");
        check(chain, "c");
        int before = s.asked.get();
        check(chain, "a");
        assertThat(s.asked.get()).as("a was evicted").isEqualTo(before + 1);
        check(chain, "a");
        assertThat(s.asked.get()).as("and is cached again").isEqualTo(before + 1);
    }
}
