package io.perch.broker.session;

import java.util.Collection;
import java.util.function.Function;

/**
 * Where sessions live. The in-memory store is the default; a durable store may replace it
 * (it must keep the same Session objects live while the broker runs and may persist
 * whatever it needs to restore them).
 */
public interface SessionStore {
    Session get(String clientId);

    /** Returns the existing session or stores the one the factory makes. Atomic per client id. */
    Session computeIfAbsent(String clientId, Function<String, Session> factory);

    void put(Session session);

    /** Removes the session only if it is still the one given; true when removed. */
    boolean remove(Session session);

    Collection<Session> all();

    int size();
}
