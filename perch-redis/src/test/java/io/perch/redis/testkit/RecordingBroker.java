package io.perch.redis.testkit;

import io.perch.broker.api.BacklogDelivery;
import io.perch.broker.api.BrokerService;
import io.perch.broker.api.ClientView;
import io.perch.broker.api.ListenerView;
import io.perch.broker.api.RouteView;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.stats.BrokerStats;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The broker side of the hook SPI for tests of the functions on their own: a real
 * {@link HookRegistry} that tests fire events through, and a record of what the backend asked
 * the broker to do (subscribe, deliver). Redis behind it is always real. The end-to-end tests
 * use the real engine instead.
 */
public final class RecordingBroker implements BrokerService {
    public record Delivery(String clientId, String filter, Message message, boolean asRetained) {
    }

    public record Subscription(String clientId, String filter, int qos) {
    }

    private final String node;
    private final HookRegistry hooks = new HookRegistry();
    private final MessageIdGenerator ids;
    public final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    public final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    public final List<Subscription> unsubscriptions = new CopyOnWriteArrayList<>();
    /** Clients with a session: subscribe/unsubscribe/deliver fail for others, as in the broker. */
    public final Set<String> sessions = ConcurrentHashMap.newKeySet();
    /** Clients whose connection is live (what {@link #client} reports). */
    public final Set<String> connected = ConcurrentHashMap.newKeySet();

    /**
     * A session queue for {@link #deliverBacklog}: how many backlog messages it holds before
     * answering NO_ROOM (unbounded by default), and how many it holds now; a test reads some
     * with {@link #read}.
     */
    public volatile int backlogQueueBound = Integer.MAX_VALUE;
    public final java.util.concurrent.atomic.AtomicInteger backlogQueued = new java.util.concurrent.atomic.AtomicInteger();
    /** How many times {@link #deliverBacklog} answered NO_ROOM. */
    public final java.util.concurrent.atomic.AtomicInteger noRoomAnswers = new java.util.concurrent.atomic.AtomicInteger();

    public RecordingBroker(String node) {
        this.node = node;
        this.ids = new MessageIdGenerator(node);
    }

    @Override
    public String nodeName() {
        return node;
    }

    @Override
    public String version() {
        return "test";
    }

    @Override
    public long startedAt() {
        return 0;
    }

    private final io.perch.broker.health.HealthChecks health = new io.perch.broker.health.HealthChecks();
    private final io.perch.broker.status.BackendStatuses backends = new io.perch.broker.status.BackendStatuses();
    private final io.perch.broker.api.PluginServices services = new io.perch.broker.api.PluginServices();

    @Override
    public io.perch.broker.api.PluginServices services() {
        return services;
    }

    @Override
    public io.perch.broker.api.AccessSettings access() {
        return new io.perch.broker.api.AccessSettings(true, true, false);
    }

    @Override
    public io.perch.broker.status.BackendStatuses backends() {
        return backends;
    }


    @Override
    public io.perch.broker.health.HealthChecks health() {
        return health;
    }

    @Override
    public HookRegistry hooks() {
        return hooks;
    }

    @Override
    public Message newMessage(String topic, byte[] payload, int qos, boolean retain, String from) {
        return new Message(ids.next(), topic, payload, qos, retain, from, null, System.currentTimeMillis(), 0,
                PublishProperties.NONE);
    }

    @Override
    public CompletionStage<Integer> publish(Message message) {
        return CompletableFuture.completedFuture(0);
    }

    @Override
    public boolean subscribe(String clientId, String filter, SubscriptionOptions options) {
        if (!sessions.contains(clientId)) {
            return false;
        }
        subscriptions.add(new Subscription(clientId, filter, options.qos()));
        return true;
    }

    @Override
    public boolean unsubscribe(String clientId, String filter) {
        if (!sessions.contains(clientId)) {
            return false;
        }
        unsubscriptions.add(new Subscription(clientId, filter, 0));
        return true;
    }

    @Override
    public boolean deliver(String clientId, String filter, Message message, boolean asRetained) {
        if (!sessions.contains(clientId)) {
            return false;
        }
        deliveries.add(new Delivery(clientId, filter, message, asRetained));
        return true;
    }

    /** Filters whose live messages a fetch holds back now (one entry per hold not yet released). */
    public final List<String> liveHeld = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public boolean holdLive(String clientId, String filter) {
        if (!sessions.contains(clientId)) {
            return false;
        }
        liveHeld.add(clientId + " " + filter);
        return true;
    }

    @Override
    public void releaseLive(String clientId, String filter) {
        liveHeld.remove(clientId + " " + filter);
    }

    @Override
    public BacklogDelivery deliverBacklog(String clientId, String filter, Message message) {
        if (!sessions.contains(clientId)) {
            return BacklogDelivery.NO_SUBSCRIPTION;
        }
        if (backlogQueued.get() >= backlogQueueBound) {
            noRoomAnswers.incrementAndGet();
            return BacklogDelivery.NO_ROOM;
        }
        backlogQueued.incrementAndGet();
        deliveries.add(new Delivery(clientId, filter, message, false));
        return BacklogDelivery.TAKEN;
    }

    /** The client read what its queue held: room for another {@link #backlogQueueBound}. */
    public void read() {
        backlogQueued.set(0);
    }

    @Override
    public boolean kick(String clientId) {
        return false;
    }

    @Override
    public List<ClientView> clients() {
        return List.of();
    }

    @Override
    public Optional<ClientView> client(String clientId) {
        if (!sessions.contains(clientId)) {
            return Optional.empty();
        }
        return Optional.of(new ClientView(clientId, null, "127.0.0.1", 1, 4, "tcp", connected.contains(clientId), 0, 0,
                false, 60, 0, 0, 0, 32, 0, 1000, 0, 0, 0, 0, 0));
    }

    @Override
    public Map<String, SubscriptionOptions> subscriptions(String clientId) {
        return Map.of();
    }

    @Override
    public List<RouteView> routes() {
        return List.of();
    }

    @Override
    public List<ListenerView> listeners() {
        return List.of();
    }

    @Override
    public RetainedStore retained() {
        return null;
    }

    @Override
    public BrokerStats stats() {
        return new BrokerStats();
    }
}
