package io.perch.broker.hook;

/**
 * A named point in the broker's life where callbacks run. The type parameter is the event
 * the callbacks receive; it is immutable, and a callback that wants to change it returns a
 * new one in its {@link HookResult} (a fold, like EMQ X's hook accumulators).
 */
public final class HookPoint<E> {
    private final String name;
    private final Class<E> eventType;

    HookPoint(String name, Class<E> eventType) {
        this.name = name;
        this.eventType = eventType;
    }

    /** The EMQ X name of the hook point, e.g. {@code message.publish}. */
    public String name() {
        return name;
    }

    public Class<E> eventType() {
        return eventType;
    }

    @Override
    public String toString() {
        return name;
    }
}
