package io.perch.broker.hook;

import java.util.concurrent.CompletionStage;

/**
 * One callback on a hook point. It may finish at once (return a completed stage) or later,
 * after I/O; the broker never blocks an event loop waiting for it. A callback must not
 * throw: an exception or a failed stage is logged, counted, and treated as "go on".
 */
@FunctionalInterface
public interface HookCallback<E> {
    CompletionStage<HookResult<E>> call(E event);
}
