package io.perch.broker.hook;

import io.perch.broker.hook.event.UnsubscribedEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chain itself, without a broker: order, stop, replacement, failures and timeouts. */
class HookRegistryTest {
    private static final HookPoint<UnsubscribedEvent> POINT = HookPoints.SESSION_UNSUBSCRIBED;
    private final List<String> ran = new CopyOnWriteArrayList<>();

    private HookCallback<UnsubscribedEvent> named(String name, HookResult<UnsubscribedEvent> result) {
        return e -> {
            ran.add(name + ":" + e.filter());
            return CompletableFuture.completedFuture(result);
        };
    }

    private static UnsubscribedEvent event(String filter) {
        return new UnsubscribedEvent(null, filter);
    }

    @Test
    void lowerPriorityRunsFirstAndEqualPrioritiesInRegistrationOrder() {
        HookRegistry hooks = new HookRegistry();
        hooks.register(POINT, 20, "late", named("late", HookResult.ok()));
        hooks.register(POINT, 10, "first", named("first", HookResult.ok()));
        hooks.register(POINT, 20, "later", named("later", HookResult.ok()));
        CompletableFuture<UnsubscribedEvent> f = hooks.run(POINT, event("a")).toCompletableFuture();
        assertThat(f).isDone();
        assertThat(ran).containsExactly("first:a", "late:a", "later:a");
        assertThat(hooks.callbackNames(POINT)).containsExactly("10:first", "20:late", "20:later");
    }

    @Test
    void stopEndsTheChainAndAReplacementIsSeenByTheRest() {
        HookRegistry hooks = new HookRegistry();
        hooks.register(POINT, 1, "rewrite", named("rewrite", HookResult.ok(event("b"))));
        hooks.register(POINT, 2, "stop", named("stop", HookResult.stop(event("c"))));
        hooks.register(POINT, 3, "never", named("never", HookResult.ok()));
        UnsubscribedEvent out = hooks.run(POINT, event("a")).toCompletableFuture().join();
        assertThat(out.filter()).isEqualTo("c");
        assertThat(ran).containsExactly("rewrite:a", "stop:b");
    }

    @Test
    void aFailingCallbackIsCountedAndTheChainGoesOn() {
        HookRegistry hooks = new HookRegistry();
        hooks.register(POINT, 1, "throws", e -> {
            throw new IllegalStateException("boom");
        });
        hooks.register(POINT, 2, "fails", e -> CompletableFuture.failedFuture(new IllegalStateException("async boom")));
        hooks.register(POINT, 3, "after", named("after", HookResult.ok()));
        hooks.run(POINT, event("a")).toCompletableFuture().join();
        assertThat(ran).containsExactly("after:a");
        assertThat(hooks.failures()).isEqualTo(2);
    }

    @Test
    void aCallbackThatNeverCompletesTimesTheChainOutAndStopsIt() {
        HookRegistry hooks = new HookRegistry(Duration.ofMillis(200));
        hooks.register(POINT, 1, "stuck", e -> new CompletableFuture<>());
        hooks.register(POINT, 2, "after", named("after", HookResult.ok()));
        CompletableFuture<UnsubscribedEvent> f = hooks.run(POINT, event("a")).toCompletableFuture();
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(ran).as("nothing after the stuck callback runs as if it had succeeded").isEmpty();
        assertThat(hooks.timeouts()).isEqualTo(1);
        assertThat(hooks.failures()).isZero();
    }

    @Test
    void aSlowCallbackWithinTheTimeoutCompletesNormally() {
        HookRegistry hooks = new HookRegistry(Duration.ofSeconds(10));
        hooks.register(POINT, 1, "slow", e -> CompletableFuture.supplyAsync(HookResult::ok,
                CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)));
        hooks.register(POINT, 2, "after", named("after", HookResult.ok()));
        hooks.run(POINT, event("a")).toCompletableFuture().join();
        assertThat(ran).containsExactly("after:a");
        assertThat(hooks.timeouts()).isZero();
    }

    @Test
    void zeroMeansNoTimeout() {
        HookRegistry hooks = new HookRegistry(Duration.ZERO);
        CompletableFuture<HookResult<UnsubscribedEvent>> release = new CompletableFuture<>();
        hooks.register(POINT, 1, "held", e -> release);
        CompletableFuture<UnsubscribedEvent> f = hooks.run(POINT, event("a")).toCompletableFuture();
        assertThat(f).isNotDone();
        release.complete(HookResult.ok());
        assertThat(f.join().filter()).isEqualTo("a");
    }
}
