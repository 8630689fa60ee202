package io.perch.broker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the MQTT engine is told at start. Immutable; built by the server's config
 * loader from EMQ X 4-style keys (named beside each field) or by tests. Passed in, never
 * read from static state.
 */
public final class BrokerConfig {
    /** node.name */
    public final String nodeName;
    /** node.io_threads: event loops serving the connections; 0 = auto, see {@link #ioThreadsFor(int)} */
    public final int ioThreads;
    /** node.max_connections: open connections across all listeners; 0 = auto, from the open-file limit */
    public final int maxConnections;

    /** listener.* */
    public final List<ListenerConfig> listeners;
    /** mqtt.max_packet_size, bytes */
    public final int maxPacketSize;
    /** mqtt.max_clientid_len */
    public final int maxClientIdLen;
    /** mqtt.max_topic_levels, 0 = unlimited (see {@link Builder#maxTopicLevels} for the default) */
    public final int maxTopicLevels;
    /** mqtt.max_qos_allowed */
    public final int maxQosAllowed;
    /** mqtt.max_topic_alias: the topic alias maximum announced to v5 clients */
    public final int maxTopicAlias;
    /** mqtt.retain_available */
    public final boolean retainAvailable;
    /** mqtt.wildcard_subscription */
    public final boolean wildcardSubscription;
    /** mqtt.shared_subscription */
    public final boolean sharedSubscription;
    /** allow_anonymous: accept clients that no authentication source recognises */
    public final boolean allowAnonymous;
    /** acl_nomatch: allow when no ACL source decides */
    public final boolean aclNoMatchAllow;
    /** {@code acl_deny_action = disconnect}: a denied publish or subscribe also ends the connection. */
    public final boolean aclDenyDisconnect;
    /** zone.external.idle_timeout: close sockets that send no CONNECT within this time */
    public final Duration idleTimeout;
    /** zone.external.keepalive_backoff: timeout = keepalive * backoff * 2 (0.75 gives the spec's 1.5x) */
    public final double keepaliveBackoff;
    /** zone.external.server_keepalive: v5 Server Keep Alive, 0 = use the client's */
    public final int serverKeepalive;
    /** mqtt.max_keepalive: the longest keep alive a client may use (0 or more is held to it), 0 = no cap */
    public final int maxKeepalive;
    /** hooks.timeout: how long a hook callback may take before its packet is refused, zero = no limit */
    public final Duration hooksTimeout;
    /** zone.external.max_inflight */
    public final int maxInflight;
    /** zone.external.max_mqueue_len */
    public final int maxMqueueLen;
    /** zone.external.max_mqueue_bytes: payload bytes queued per session, 0 = bounded by max_mqueue_len only */
    public final long maxMqueueBytes;
    /** mqtt.max_stored_sessions: sessions that outlive their connection on this node, in memory or stored; 0 = no bound */
    public final int maxStoredSessions;
    /**
     * zone.external.backpressure_queue_bytes: a connected session's queue above this many payload
     * bytes holds the acknowledgements of what publishers send it; 0 = never
     */
    public final long backpressureQueueBytes;
    /** zone.external.backpressure_max_wait: the longest one acknowledgement is held for it */
    public final Duration backpressureMaxWait;
    /** zone.external.mqueue_store_qos0 */
    public final boolean mqueueStoreQos0;
    /** zone.external.max_awaiting_rel */
    public final int maxAwaitingRel;
    /** zone.external.await_rel_timeout */
    public final Duration awaitRelTimeout;
    /** zone.external.retry_interval: resend unacknowledged messages on a live connection; 0 = only on reconnect */
    public final Duration retryInterval;
    /** zone.external.session_expiry_interval: cap and default for persistent sessions */
    public final Duration sessionExpiryInterval;
    /** zone.external.max_subscriptions, 0 = unlimited */
    public final int maxSubscriptions;
    /** zone.external.publish_limit: at most this many PUBLISHes per {@link #publishLimitPeriod} per connection, 0 = no limit */
    public final int publishLimitCount;
    /** the period of zone.external.publish_limit ("100,10s" = 100 per 10 s) */
    public final Duration publishLimitPeriod;
    /** broker.sys_interval: period of $SYS publications, 0 = off */
    public final Duration sysInterval;
    /** broker.shared_dispatch_ack_enabled-like switch: redispatch unacked shared messages when a member leaves */
    public final boolean sharedRedispatch;

    private BrokerConfig(Builder b) {
        nodeName = b.nodeName;
        ioThreads = b.ioThreads;
        maxConnections = b.maxConnections;
        listeners = List.copyOf(b.listeners);
        maxPacketSize = b.maxPacketSize;
        maxClientIdLen = b.maxClientIdLen;
        maxTopicLevels = b.maxTopicLevels;
        maxQosAllowed = b.maxQosAllowed;
        maxTopicAlias = b.maxTopicAlias;
        retainAvailable = b.retainAvailable;
        wildcardSubscription = b.wildcardSubscription;
        sharedSubscription = b.sharedSubscription;
        allowAnonymous = b.allowAnonymous;
        aclNoMatchAllow = b.aclNoMatchAllow;
        aclDenyDisconnect = b.aclDenyDisconnect;
        idleTimeout = b.idleTimeout;
        keepaliveBackoff = b.keepaliveBackoff;
        serverKeepalive = b.serverKeepalive;
        maxKeepalive = b.maxKeepalive;
        hooksTimeout = b.hooksTimeout;
        maxInflight = b.maxInflight;
        maxMqueueLen = b.maxMqueueLen;
        maxMqueueBytes = b.maxMqueueBytes;
        backpressureQueueBytes = b.backpressureQueueBytes;
        backpressureMaxWait = b.backpressureMaxWait;
        maxStoredSessions = b.maxStoredSessions;
        mqueueStoreQos0 = b.mqueueStoreQos0;
        maxAwaitingRel = b.maxAwaitingRel;
        awaitRelTimeout = b.awaitRelTimeout;
        retryInterval = b.retryInterval;
        sessionExpiryInterval = b.sessionExpiryInterval;
        maxSubscriptions = b.maxSubscriptions;
        sysInterval = b.sysInterval;
        publishLimitCount = b.publishLimitCount;
        publishLimitPeriod = b.publishLimitPeriod;
        sharedRedispatch = b.sharedRedispatch;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * How many event loops "auto" means on a machine with {@code processors} cores: one per core,
     * but only one on 1-2 cores. There, a message between connections on two loops costs a
     * thread wake-up that may wait for the other, busy core (measured with bench/compare.sh on
     * 2 cores: p99 at 5,000 msg/s 0.43 ms with one loop against 0.82 ms with Netty's four, RSS
     * per idle connection 8.4 against 13 KB, saturation throughput still 2-8x Mosquitto's).
     */
    public static int ioThreadsFor(int processors) {
        return processors <= 2 ? 1 : processors;
    }

    /** The number of event loops to start. */
    public int resolvedIoThreads() {
        return ioThreads > 0 ? ioThreads : ioThreadsFor(Runtime.getRuntime().availableProcessors());
    }

    /** Mutable builder with the documented defaults (EMQ X 4's where one exists). */
    public static final class Builder {
        public String nodeName = "perch@127.0.0.1";
        public int ioThreads = 0;
        public int maxConnections = 0;
        public List<ListenerConfig> listeners = new ArrayList<>(List.of(
                ListenerConfig.tcp("0.0.0.0", 1883), ListenerConfig.ws("0.0.0.0", 8083, "/mqtt")));
        public int maxPacketSize = 1024 * 1024;
        public int maxClientIdLen = 65535;
        /**
         * EMQX 5's default: far deeper than real topic schemes (Sparkplug B uses 5, Home
         * Assistant 4-6), yet it bounds the work one PUBLISH or SUBSCRIBE can ask of the
         * broker and keeps hostile 10,000-level filters out of the subscription tree.
         */
        public int maxTopicLevels = 128;
        public int maxQosAllowed = 2;
        public int maxTopicAlias = 65535;
        public boolean retainAvailable = true;
        public boolean wildcardSubscription = true;
        public boolean sharedSubscription = true;
        public boolean allowAnonymous = true;
        public boolean aclNoMatchAllow = true;
        public boolean aclDenyDisconnect = false;
        public Duration idleTimeout = Duration.ofSeconds(15);
        public double keepaliveBackoff = 0.75;
        public int serverKeepalive = 0;
        public int maxKeepalive = 0;
        public Duration hooksTimeout = io.perch.broker.hook.HookRegistry.DEFAULT_TIMEOUT;
        public int maxInflight = 32;
        public int maxMqueueLen = 1000;
        public long maxMqueueBytes = 0;
        public long backpressureQueueBytes = 16L * 1024 * 1024;
        public Duration backpressureMaxWait = Duration.ofSeconds(5);
        public int maxStoredSessions = 0;
        public boolean mqueueStoreQos0 = true;
        public int maxAwaitingRel = 100;
        public Duration awaitRelTimeout = Duration.ofSeconds(300);
        public Duration retryInterval = Duration.ofSeconds(30);
        public Duration sessionExpiryInterval = Duration.ofHours(2);
        public int maxSubscriptions = 0;
        public Duration sysInterval = Duration.ofMinutes(1);
        public boolean sharedRedispatch = true;
        public int publishLimitCount = 0;
        public Duration publishLimitPeriod = Duration.ofSeconds(1);

        public Builder nodeName(String v) { nodeName = v; return this; }
        public Builder ioThreads(int v) { ioThreads = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        public Builder listeners(List<ListenerConfig> v) { listeners = new ArrayList<>(v); return this; }
        public Builder maxPacketSize(int v) { maxPacketSize = v; return this; }
        public Builder maxClientIdLen(int v) { maxClientIdLen = v; return this; }
        public Builder maxTopicLevels(int v) { maxTopicLevels = v; return this; }
        public Builder maxQosAllowed(int v) { maxQosAllowed = v; return this; }
        public Builder maxTopicAlias(int v) { maxTopicAlias = v; return this; }
        public Builder retainAvailable(boolean v) { retainAvailable = v; return this; }
        public Builder wildcardSubscription(boolean v) { wildcardSubscription = v; return this; }
        public Builder sharedSubscription(boolean v) { sharedSubscription = v; return this; }
        public Builder allowAnonymous(boolean v) { allowAnonymous = v; return this; }
        public Builder aclNoMatchAllow(boolean v) { aclNoMatchAllow = v; return this; }
        public Builder aclDenyDisconnect(boolean v) { aclDenyDisconnect = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder keepaliveBackoff(double v) { keepaliveBackoff = v; return this; }
        public Builder serverKeepalive(int v) { serverKeepalive = v; return this; }
        public Builder maxKeepalive(int v) { maxKeepalive = v; return this; }
        public Builder hooksTimeout(Duration v) { hooksTimeout = v; return this; }
        public Builder maxInflight(int v) { maxInflight = v; return this; }
        public Builder maxMqueueLen(int v) { maxMqueueLen = v; return this; }
        public Builder maxMqueueBytes(long v) { maxMqueueBytes = v; return this; }
        public Builder backpressureQueueBytes(long v) { backpressureQueueBytes = v; return this; }
        public Builder backpressureMaxWait(Duration v) { backpressureMaxWait = v; return this; }
        public Builder maxStoredSessions(int v) { maxStoredSessions = v; return this; }
        public Builder mqueueStoreQos0(boolean v) { mqueueStoreQos0 = v; return this; }
        public Builder maxAwaitingRel(int v) { maxAwaitingRel = v; return this; }
        public Builder awaitRelTimeout(Duration v) { awaitRelTimeout = v; return this; }
        public Builder retryInterval(Duration v) { retryInterval = v; return this; }
        public Builder sessionExpiryInterval(Duration v) { sessionExpiryInterval = v; return this; }
        public Builder maxSubscriptions(int v) { maxSubscriptions = v; return this; }
        public Builder sysInterval(Duration v) { sysInterval = v; return this; }
        public Builder sharedRedispatch(boolean v) { sharedRedispatch = v; return this; }
        public Builder publishLimit(int count, Duration period) { publishLimitCount = count; publishLimitPeriod = period; return this; }

        public BrokerConfig build() {
            return new BrokerConfig(this);
        }
    }
}
