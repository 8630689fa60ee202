package io.perch.broker.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Objects one plugin offers to others on the same node, by the interface or class they are
 * asked for (the auth plugin offers what the dashboard shows of users and ACL rules): a
 * plugin registers at start and unregisters at stop; a reader looks up on each use, so the
 * order in which plugins start does not matter. Thread-safe.
 */
public final class PluginServices {
    private final Map<Class<?>, Object> services = new LinkedHashMap<>();

    public synchronized <T> void register(Class<T> type, T service) {
        services.put(type, type.cast(service));
    }

    /** Removes {@code service} if it is still the one registered for {@code type}. */
    public synchronized <T> void unregister(Class<T> type, T service) {
        services.remove(type, service);
    }

    public synchronized <T> Optional<T> find(Class<T> type) {
        return Optional.ofNullable(type.cast(services.get(type)));
    }
}
