package io.perch.broker.plugin;

import io.perch.broker.retain.RetainedStore;
import io.perch.broker.session.SessionStore;

/**
 * The stores a plugin supplies to the broker instead of the in-memory ones (a durable backend
 * supplies its own). Either may be null: the broker keeps its memory store for that kind.
 */
public record PluginStores(SessionStore sessions, RetainedStore retained) {
    public static final PluginStores NONE = new PluginStores(null, null);
}
