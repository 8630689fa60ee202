package io.perch.broker;

import io.perch.broker.api.BacklogDelivery;
import io.perch.broker.api.BrokerService;
import io.perch.broker.api.ClientView;
import io.perch.broker.api.ListenerView;
import io.perch.broker.api.RouteView;
import io.perch.broker.core.BrokerCore;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The broker as backends and operators see it. */
final class BrokerServiceImpl implements BrokerService {
    private static final String VERSION = Optional.ofNullable(Broker.class.getPackage().getImplementationVersion())
            .orElse("0.1.0-SNAPSHOT");

    private final BrokerCore core;
    private final Broker broker;
    private final io.perch.broker.health.HealthChecks health = new io.perch.broker.health.HealthChecks();
    private final io.perch.broker.status.BackendStatuses backends = new io.perch.broker.status.BackendStatuses();
    private final io.perch.broker.api.PluginServices services = new io.perch.broker.api.PluginServices();

    BrokerServiceImpl(BrokerCore core, Broker broker) {
        this.core = core;
        this.broker = broker;
        core.stats.bindGauges(new BrokerStats.Gauges() {
            @Override
            public int connections() {
                int n = 0;
                for (Broker.Bound b : broker.bound()) {
                    n += b.counter().open();
                }
                return n;
            }

            @Override
            public int sessions() {
                return core.sessions.store().size();
            }

            @Override
            public int subscriptions() {
                return core.tree.size() + core.tree.sharedSize();
            }

            @Override
            public int sharedSubscriptions() {
                return core.tree.sharedSize();
            }

            @Override
            public int routes() {
                int[] n = {0};
                core.tree.forEachFilter((f, c) -> n[0]++);
                return n[0];
            }

            @Override
            public int retained() {
                return core.retained.size();
            }

            @Override
            public int storedSessions() {
                return core.keptSessions.count();
            }

            @Override
            public int inflight() {
                int n = 0;
                for (Session s : core.sessions.store().all()) {
                    n += s.inflightSize();
                }
                return n;
            }

            @Override
            public int queued() {
                int n = 0;
                for (Session s : core.sessions.store().all()) {
                    n += s.queueSize();
                }
                return n;
            }
        });
    }

    @Override
    public String nodeName() {
        return core.config.nodeName;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public long startedAt() {
        return core.startedAt;
    }

    @Override
    public io.perch.broker.health.HealthChecks health() {
        return health;
    }

    @Override
    public io.perch.broker.status.BackendStatuses backends() {
        return backends;
    }

    @Override
    public io.perch.broker.api.PluginServices services() {
        return services;
    }

    @Override
    public io.perch.broker.api.AccessSettings access() {
        return new io.perch.broker.api.AccessSettings(core.config.allowAnonymous, core.config.aclNoMatchAllow,
                core.config.aclDenyDisconnect);
    }

    @Override
    public io.perch.broker.cluster.Cluster cluster() {
        return core.cluster;
    }

    @Override
    public HookRegistry hooks() {
        return core.hooks;
    }

    @Override
    public Message newMessage(String topic, byte[] payload, int qos, boolean retain, String from) {
        return new Message(core.ids.next(), topic, payload, qos, retain, from, null, System.currentTimeMillis(), 0,
                PublishProperties.NONE);
    }

    @Override
    public CompletionStage<Integer> publish(Message message) {
        if (!Topics.isValidName(message.topic(), core.config.maxTopicLevels)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("invalid topic name: " + message.topic()));
        }
        core.stats.messagesReceived.increment();
        core.stats.messagesReceivedByQos[message.qos()].increment();
        return core.publisher.publish(null, message);
    }

    @Override
    public boolean subscribe(String clientId, String filter, SubscriptionOptions options) {
        Session s = core.sessions.store().get(clientId);
        Topics.Parsed parsed = Topics.parseSubscription(filter);
        if (s == null || parsed == null || !Topics.isValidFilter(parsed.filter(), core.config.maxTopicLevels)) {
            return false;
        }
        int qos = Math.max(0, Math.min(options.qos(), core.config.maxQosAllowed));
        SubscriptionOptions o = new SubscriptionOptions(qos, options.noLocal(), options.retainAsPublished(),
                options.retainHandling(), options.subscriptionId(), parsed.group());
        boolean isNew = core.subscriptions.subscribe(s, parsed, o);
        core.subscriptions.afterSubscribe(s, parsed, o, isNew);
        return true;
    }

    @Override
    public boolean unsubscribe(String clientId, String filter) {
        Session s = core.sessions.store().get(clientId);
        return s != null && core.subscriptions.unsubscribe(s, filter);
    }

    @Override
    public boolean deliver(String clientId, String filter, Message message, boolean asRetained) {
        Session s = core.sessions.store().get(clientId);
        if (s == null) {
            return false;
        }
        SubscriptionOptions o = s.subscriptions().get(filter);
        if (o == null || s.holds(message.id())) {
            return false;
        }
        int qos = Math.min(Math.min(message.qos(), o.qos()), core.config.maxQosAllowed);
        boolean retain = asRetained || (o.retainAsPublished() && message.retain());
        s.offer(Pending.of(message, qos, retain, o.subscriptionId() > 0 ? new int[]{o.subscriptionId()} : null));
        return true;
    }

    @Override
    public boolean holdLive(String clientId, String filter) {
        Session s = core.sessions.store().get(clientId);
        return s != null && s.holdLive(filter);
    }

    @Override
    public void releaseLive(String clientId, String filter) {
        Session s = core.sessions.store().get(clientId);
        if (s != null) {
            s.releaseLive(filter);
        }
    }

    @Override
    public BacklogDelivery deliverBacklog(String clientId, String filter, Message message) {
        Session s = core.sessions.store().get(clientId);
        SubscriptionOptions o = s == null ? null : s.subscriptions().get(filter);
        if (o == null) {
            return BacklogDelivery.NO_SUBSCRIPTION;
        }
        switch (s.offerBacklog(core.router.pending(message, o))) {
            case TAKEN:
                return BacklogDelivery.TAKEN;
            case DUPLICATE:
                return BacklogDelivery.DUPLICATE;
            default:
                return BacklogDelivery.NO_ROOM;
        }
    }

    @Override
    public boolean kick(String clientId) {
        return core.sessions.kick(clientId);
    }

    @Override
    public List<ClientView> clients() {
        List<ClientView> out = new ArrayList<>();
        for (Session s : core.sessions.store().all()) {
            out.add(view(s));
        }
        out.sort(Comparator.comparing(ClientView::clientId));
        return out;
    }

    @Override
    public Optional<ClientView> client(String clientId) {
        Session s = core.sessions.store().get(clientId);
        return s == null ? Optional.empty() : Optional.of(view(s));
    }

    private static ClientView view(Session s) {
        ClientInfo c = s.client();
        return new ClientView(s.clientId(), c.username(), c.peerHost(), c.peerPort(), c.protocolVersion(), c.listener(),
                s.isConnected(), c.connectedAt(), s.disconnectedAt(), c.cleanStart(), c.keepAlive(),
                s.expiryIntervalSeconds(), s.subscriptions().size(), s.inflightSize(), s.maxInflight(), s.queueSize(),
                s.maxQueue(), s.droppedCount(), s.awaitingRelSize(), s.messagesIn(), s.messagesOut(), s.createdAt());
    }

    @Override
    public Map<String, SubscriptionOptions> subscriptions(String clientId) {
        return core.subscriptions.subscriptions(clientId);
    }

    @Override
    public List<RouteView> routes() {
        List<RouteView> out = new ArrayList<>();
        core.tree.forEachFilter((f, n) -> out.add(new RouteView(f, core.config.nodeName, n)));
        out.sort(Comparator.comparing(RouteView::topic));
        return out;
    }

    @Override
    public int ioThreads() {
        return broker.config().resolvedIoThreads();
    }

    @Override
    public List<ListenerView> listeners() {
        List<ListenerView> out = new ArrayList<>();
        for (Broker.Bound b : broker.bound()) {
            var l = b.config();
            out.add(new ListenerView(l.name(), l.type(), l.host(), b.port(), l.wsPath(), b.counter().open(),
                    l.maxConnections(), l.isTls() && l.verifyPeer(), l.maxConnPerIp(), l.maxConnRate()));
        }
        return out;
    }

    @Override
    public int maxConnections() {
        var node = broker.nodeConnections();
        return node == null ? 0 : node.max();
    }

    @Override
    public RetainedStore retained() {
        return core.retained;
    }

    @Override
    public BrokerStats stats() {
        return core.stats;
    }
}
