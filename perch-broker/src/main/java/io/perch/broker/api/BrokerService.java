package io.perch.broker.api;

import io.perch.broker.health.HealthChecks;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.message.Message;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.stats.BrokerStats;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What backends, the REST API, the CLI and the dashboard may ask of a running broker. All
 * methods are safe to call from any thread.
 */
public interface BrokerService {
    String nodeName();

    String version();

    /** Epoch milliseconds when the broker started. */
    long startedAt();

    HookRegistry hooks();

    /** The node's readiness checks; plugins register theirs at start and remove them at stop. */
    HealthChecks health();

    /** What the storage backends report about themselves; backend plugins register at start, remove at stop. */
    io.perch.broker.status.BackendStatuses backends();

    /** What plugins offer one another (the auth plugin's users and ACL, say); register at start, remove at stop. */
    PluginServices services();

    /** allow_anonymous, acl_nomatch and acl_deny_action as configured. */
    AccessSettings access();

    /** The other nodes on the same Redis ({@link io.perch.broker.cluster.Cluster#NONE} for a single node). */
    default io.perch.broker.cluster.Cluster cluster() {
        return io.perch.broker.cluster.Cluster.NONE;
    }

    /** Builds a message with a fresh id and the current time, no expiry and no properties. */
    Message newMessage(String topic, byte[] payload, int qos, boolean retain, String from);

    /**
     * Publishes as the broker: runs message.publish, stores or deletes the retained message
     * and routes. Completes with the number of subscriptions that matched.
     */
    CompletionStage<Integer> publish(Message message);

    /**
     * Adds a subscription to a client's session as if the client had sent SUBSCRIBE (retained
     * messages are sent and session.subscribed fires). False when there is no such session.
     */
    boolean subscribe(String clientId, String filter, SubscriptionOptions options);

    /** Removes a subscription (session.unsubscribed fires). False when there was none. */
    boolean unsubscribe(String clientId, String filter);

    /**
     * Delivers one message to one session through its subscription {@code filter} (the
     * granted QoS and options apply), as backends do for stored and retained messages. A
     * message whose id the session already holds (queued or in flight) is not delivered twice.
     * False when the session or subscription is missing or the message was a duplicate.
     */
    boolean deliver(String clientId, String filter, Message message, boolean asRetained);

    /**
     * Like {@link #deliver} (never as retained), for a backend paging a stored backlog into a
     * session: the message is taken only when the session can queue it within half of its
     * bounds ({@code max_mqueue_len}, {@code max_mqueue_bytes}), so a backlog larger than the
     * queue is never dropped for lack of room and live messages keep the other half. On
     * {@link BacklogDelivery#NO_ROOM} the caller offers it again later, in the same order.
     */
    BacklogDelivery deliverBacklog(String clientId, String filter, Message message);

    /**
     * A stored backlog for the client's subscription {@code filter} is about to be fetched:
     * live QoS 1/2 messages that subscription matches wait in the session (stored with it, in
     * order) until {@link #releaseLive}, so that they come after the backlog, and one that the
     * backlog holds too is delivered once, at its place there. False when the client has no
     * session (then there is nothing to release). Every true must be released.
     */
    boolean holdLive(String clientId, String filter);

    /** The backlog of {@link #holdLive} is done (or given up): what waited goes, in order. */
    void releaseLive(String clientId, String filter);

    /** Disconnects the client (v5 reason 0x98 administrative action) and discards its session. */
    boolean kick(String clientId);

    List<ClientView> clients();

    Optional<ClientView> client(String clientId);

    /** A session's subscriptions: filter (with any $share prefix) to options. Empty when unknown. */
    Map<String, SubscriptionOptions> subscriptions(String clientId);

    List<RouteView> routes();

    List<ListenerView> listeners();

    /**
     * node.max_connections as resolved at start (auto: from the open-file limit), counted across
     * all listeners; 0 when not known.
     */
    default int maxConnections() {
        return 0;
    }

    /** The event loops serving MQTT connections ({@code node.io_threads} resolved); 0 when unknown. */
    default int ioThreads() {
        return 0;
    }

    RetainedStore retained();

    BrokerStats stats();
}
