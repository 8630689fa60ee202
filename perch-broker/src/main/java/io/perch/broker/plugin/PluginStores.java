package io.perch.broker.plugin;

import io.perch.broker.cluster.Cluster;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.session.SessionStore;

/**
 * The stores a plugin supplies to the broker instead of the in-memory ones (a durable backend
 * supplies its own). Any may be null: the broker keeps its default for that kind.
 *
 * @param sessions    the live sessions of this process (default: a concurrent map)
 * @param retained    retained messages (default: in memory)
 * @param persistence where sessions that outlive their connection are kept (default: nowhere)
 * @param cluster     the link to the other nodes on the same Redis (default: a single node)
 */
public record PluginStores(SessionStore sessions, RetainedStore retained, SessionPersistence persistence,
                           Cluster cluster) {
    public static final PluginStores NONE = new PluginStores(null, null, null, null);

    public PluginStores(SessionStore sessions, RetainedStore retained, SessionPersistence persistence) {
        this(sessions, retained, persistence, null);
    }

    public PluginStores(SessionStore sessions, RetainedStore retained) {
        this(sessions, retained, null);
    }
}
