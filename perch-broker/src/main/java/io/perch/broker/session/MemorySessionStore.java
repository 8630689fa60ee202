package io.perch.broker.session;

import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Sessions in a concurrent map: state is lost with the process (the durable store is the Redis backend's job). */
public final class MemorySessionStore implements SessionStore {
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

    @Override
    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    @Override
    public Session computeIfAbsent(String clientId, Function<String, Session> factory) {
        return sessions.computeIfAbsent(clientId, factory);
    }

    @Override
    public void put(Session session) {
        sessions.put(session.clientId(), session);
    }

    @Override
    public boolean remove(Session session) {
        return sessions.remove(session.clientId(), session);
    }

    @Override
    public Collection<Session> all() {
        return Collections.unmodifiableCollection(sessions.values());
    }

    @Override
    public int size() {
        return sessions.size();
    }
}
