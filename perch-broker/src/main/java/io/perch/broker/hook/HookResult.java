package io.perch.broker.hook;

/**
 * What a callback returns: go on or stop the chain, with the event unchanged (null) or
 * replaced. Stopping is EMQ X's {@code {stop, Acc}}: later callbacks do not run.
 */
public final class HookResult<E> {
    @SuppressWarnings("rawtypes")
    private static final HookResult OK = new HookResult<>(false, null);
    @SuppressWarnings("rawtypes")
    private static final HookResult STOP = new HookResult<>(true, null);

    private final boolean stop;
    private final E event;

    private HookResult(boolean stop, E event) {
        this.stop = stop;
        this.event = event;
    }

    @SuppressWarnings("unchecked")
    public static <E> HookResult<E> ok() {
        return OK;
    }

    public static <E> HookResult<E> ok(E replacement) {
        return new HookResult<>(false, replacement);
    }

    @SuppressWarnings("unchecked")
    public static <E> HookResult<E> stop() {
        return STOP;
    }

    public static <E> HookResult<E> stop(E replacement) {
        return new HookResult<>(true, replacement);
    }

    public boolean isStop() {
        return stop;
    }

    /** The replacement event, or null when the callback left it as it was. */
    public E event() {
        return event;
    }
}
