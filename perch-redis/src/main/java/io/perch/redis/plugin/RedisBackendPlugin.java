package io.perch.redis.plugin;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.perch.broker.health.HealthCheck;
import io.perch.broker.health.HealthChecks;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PerchPlugin;
import io.perch.broker.plugin.PluginStores;
import io.perch.broker.plugin.PluginContext;
import io.perch.redis.channel.SubscriptionChannel;
import io.perch.redis.client.BackendMetrics;
import io.perch.redis.client.CommandPipeline;
import io.perch.redis.client.Durability;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.config.BackendConfig;
import io.perch.redis.config.BackendConfigParser;
import io.perch.redis.config.ClusterConfig;
import io.perch.redis.config.ClusterConfigParser;
import io.perch.redis.cluster.RedisCluster;
import io.perch.broker.plugin.ConfigException;
import io.perch.redis.config.PersistenceConfig;
import io.perch.redis.config.PersistenceConfigParser;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;
import io.perch.redis.embedded.EmbeddedRedis;
import io.perch.redis.embedded.RedisProcess;
import io.perch.redis.config.HostPort;
import io.perch.redis.function.BackendContext;
import io.perch.redis.function.HookBinder;
import io.perch.redis.function.PoolRuntime;
import io.perch.redis.retain.RedisRetainedStore;
import io.perch.redis.retain.RetainedRules;
import io.perch.redis.session.RedisSessionPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Redis backend as a broker plugin ({@code backend.redis.*}). Start order: embedded Redis
 * where needed, pools (each connects in the background, so a missing Redis never delays MQTT),
 * hooks, subscription channels. Stop order is the reverse, giving queued writes a few seconds
 * to reach Redis.
 */
public final class RedisBackendPlugin implements PerchPlugin {
    private static final Logger log = LoggerFactory.getLogger(RedisBackendPlugin.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private BackendConfig config;
    private PersistenceConfig persistence = PersistenceConfig.MEMORY;
    /** Made at configure (the broker asks for it before start), bound to its pool at start. */
    private RedisSessionPersistence sessionStore;
    /** Made at configure when a pool holds retained messages (see {@link RetainedRules#storePool}), bound at start. */
    private RedisRetainedStore retainedStore;
    /** Made at configure when {@code cluster.enable = on} (the broker is built with it), started at start. */
    private RedisCluster cluster;
    private ClientResources resources;
    private ExecutorService brokerSide;
    private ScheduledExecutorService timer;
    private HookBinder binder;
    private final Map<String, PoolRuntime> pools = new LinkedHashMap<>();
    private final Map<String, PoolConnector> connectors = new LinkedHashMap<>();
    private final List<SubscriptionChannel> channels = new ArrayList<>();
    private EmbeddedRedis embedded;
    /** Where this plugin's readiness checks are registered (one per pool), to remove them at stop. */
    private HealthChecks health;
    /** Where this plugin's status is registered, to remove it at stop. */
    private io.perch.broker.status.BackendStatuses statuses;
    /** How old the status page's Redis INFO may get before it is asked for again. */
    private static final Duration INFO_EVERY = Duration.ofSeconds(10);
    /** How long a readiness probe waits for PING. */
    private static final Duration HEALTH_PROBE = Duration.ofSeconds(1);

    @Override
    public String name() {
        return "redis-backend";
    }

    @Override
    public List<String> configPrefixes() {
        return List.of(BackendConfigParser.PREFIX, PersistenceConfigParser.PREFIX, ClusterConfigParser.PREFIX);
    }

    @Override
    public void configure(List<ConfigEntry> entries) {
        List<ConfigEntry> backend = new ArrayList<>();
        List<ConfigEntry> persist = new ArrayList<>();
        List<ConfigEntry> clustered = new ArrayList<>();
        for (ConfigEntry e : entries) {
            (e.key().startsWith(PersistenceConfigParser.PREFIX) ? persist
                    : e.key().startsWith(ClusterConfigParser.PREFIX) ? clustered : backend).add(e);
        }
        config = new BackendConfigParser().parse(backend);
        persistence = new PersistenceConfigParser().parse(persist, config.pools().keySet());
        sessionStore = persistence.redis() ? new RedisSessionPersistence(config.compat(), persistence.ack(),
                persistence.linger()) : null;
        String retainPool = RetainedRules.storePool(config.rules(), persistence);
        retainedStore = retainPool == null ? null : new RedisRetainedStore(retainPool);
        ClusterConfig cc = ClusterConfigParser.parse(clustered);
        cluster = cc.enabled() ? new RedisCluster(cc) : null;
        if (cluster != null) {
            checkCluster(cc, clustered);
        }
    }

    /**
     * Nodes share sessions through the session store, so a cluster needs one, on the cluster's
     * own pool (ownership fencing and the session writes must reach the same Redis).
     */
    private void checkCluster(ClusterConfig cc, List<ConfigEntry> entries) {
        ConfigEntry enable = entries.stream().filter(e -> e.key().equals("cluster.enable")).reduce((a, b) -> b).orElseThrow();
        if (!config.pools().containsKey(cc.pool())) {
            throw new ConfigException(enable, "the cluster pool " + cc.pool() + " is not configured; add backend.redis."
                    + cc.pool() + ".server = host:port (or set cluster.pool to a configured pool)");
        }
        if (sessionStore == null || !persistence.pool().equals(cc.pool())) {
            throw new ConfigException(enable, "nodes share their sessions through Redis: set persistence.mode = redis and "
                    + "persistence.pool = " + cc.pool());
        }
        if (config.pools().get(cc.pool()).embedded()) {
            throw new ConfigException(enable, "the cluster pool " + cc.pool() + " is the embedded Redis, which only this "
                    + "node can reach; point backend.redis." + cc.pool() + ".server at a Redis every node reaches");
        }
    }

    /** The link to the other nodes when {@code cluster.enable = on}. */
    public Optional<RedisCluster> cluster() {
        return Optional.ofNullable(cluster);
    }

    /**
     * Sessions that outlive their connection go to {@code persistence.pool} unless
     * {@code persistence.mode = memory}; retained messages to the on_message_retain rule's pool
     * (else {@code persistence.pool}), so that Redis, not this process, is their source of truth.
     */
    @Override
    public PluginStores stores() {
        return sessionStore == null && retainedStore == null ? PluginStores.NONE
                : new PluginStores(null, retainedStore, sessionStore, cluster);
    }

    /** The retained store this plugin supplies, if any. */
    public Optional<RedisRetainedStore> retainedStore() {
        return Optional.ofNullable(retainedStore);
    }

    public PersistenceConfig persistence() {
        return persistence;
    }

    @Override
    public boolean enabled() {
        return config != null && (!config.rules().isEmpty() || !config.pools().isEmpty());
    }

    public BackendConfig config() {
        return config;
    }

    @Override
    public void start(PluginContext context) throws Exception {
        if (config == null) {
            configure(List.of());
        }
        BackendMetrics metrics = new BackendMetrics(context.metrics());
        // Lettuce's own per-command latency histograms cost ~3 % of the publish path; the
        // pipeline times its batches itself (backend.redis.latency).
        resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .commandLatencyRecorder(io.lettuce.core.metrics.CommandLatencyRecorder.disabled()).build();
        brokerSide = Executors.newSingleThreadExecutor(r -> daemon(r, "perch-redis-deliver"));
        timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "perch-redis-timer"));
        try {
            if (config.runsEmbedded()) {
                embedded = EmbeddedRedis.start(config.embeddedRedis(),
                        config.embeddedRedis().dataDir(context.homeDir(), context.dataDir()), System.getenv("PATH"));
            }
            for (PoolConfig configured : config.pools().values()) {
                PoolConfig pc = configured.embedded() ? configured.withPassword(embedded.password()) : configured;
                if (!pc.embedded()) {
                    hintIfNothingAnswers(pc);
                }
                PoolConnector connector = new PoolConnector(pc, resources, TIMEOUT);
                connectors.put(pc.name(), connector);
                boolean sessions = sessionStore != null && pc.name().equals(persistence.pool());
                Durability durability = sessions ? durability(persistence) : Durability.REPLY;
                CommandPipeline pipeline = new CommandPipeline(pc.name(), connector::connect, metrics, config.backlogMax(),
                        TIMEOUT, durability);
                pipeline.start();
                pools.put(pc.name(), new PoolRuntime(pc, pipeline, sessions ? sessionStore.stagedWrites() : null));
                log.info("Redis backend: {}", pc);
            }
            if (sessionStore != null) {
                PoolRuntime sessionPool = pools.get(persistence.pool());
                checkDurability(sessionPool.pipeline());
                sessionStore.bind(sessionPool, timer);
                log.info("Redis backend: sessions are kept in pool {} (persistence.ack = {})", persistence.pool(),
                        persistence.ack());
            }
            if (retainedStore != null) {
                retainedStore.bind(new RetainedRules(config.rules()), pools, config.compat(), timer);
                log.info("Redis backend: retained messages are kept in pool {}", retainedStore.poolName());
            }
            if (cluster != null) {
                String pool = cluster.config().pool();
                cluster.start(context.broker().nodeName(), pools.get(pool), connectors.get(pool), sessionStore,
                        retainedStore, context.metrics(), Map.of("host", java.net.InetAddress.getLocalHost().getHostName()),
                        context.dataDir());
            }
            BackendContext ctx = new BackendContext(context.broker(), config.compat(), brokerSide, timer,
                    persistence.ack().kind() != io.perch.redis.config.AckMode.Kind.NONE);
            binder = new HookBinder(ctx, pools);
            binder.bind(context.broker().hooks(), config.rules());
            for (PoolRuntime pool : pools.values()) {
                PoolConfig pc = pool.config();
                if (pc.type() != PoolType.CLUSTER && pc.channel() != null) {
                    SubscriptionChannel ch = new SubscriptionChannel(connectors.get(pc.name()), pc.channel(), context.broker(), metrics,
                            brokerSide, timer);
                    channels.add(ch);
                    ch.start();
                }
            }
            health = context.broker().health();
            for (PoolRuntime pool : pools.values()) {
                health.register("redis:" + pool.config().name(), () -> probe(pool));
            }
            RedisStatus status = new RedisStatus(pools, config.rules(), sessionStore != null ? persistence.pool() : null);
            statuses = context.broker().backends();
            statuses.register("redis", status);
            timer.scheduleWithFixedDelay(() -> {
                try {
                    status.refreshInfo(INFO_EVERY.toMillis());
                } catch (RuntimeException e) { // a thrown task would never run again
                    log.debug("Redis backend: asking for INFO failed", e);
                }
            }, 0, 1, TimeUnit.SECONDS);
            log.info("Redis backend started: {} pool(s), {} rule(s){}", pools.size(), config.rules().size(),
                    config.compat() == io.perch.redis.codec.Compat.EMQX4 ? ", EMQ X 4 compatible writes" : "");
        } catch (Exception e) {
            stop();
            throw e;
        }
    }

    private static Durability durability(PersistenceConfig p) {
        switch (p.ack().kind()) {
            case REPLICAS:
                return Durability.replicas(p.ack().replicas(), p.ackTimeout());
            case FSYNC:
                return Durability.fsync(p.ackTimeout());
            default:
                return Durability.REPLY;
        }
    }

    /**
     * A barrier the server cannot give (WAITAOF before Redis 7.2, an AOF that is off, a
     * cluster) stops start-up with the operator's message. A Redis that does not answer within
     * {@link #DURABILITY_CHECK} is not a reason to stop: the pipeline checks again on every
     * connection and fails the session writes with the same message until the server can.
     */
    private static void checkDurability(CommandPipeline pipeline) throws Exception {
        if (pipeline.durability().equals(Durability.REPLY)) {
            return;
        }
        try {
            pipeline.checkDurability().toCompletableFuture().get(DURABILITY_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(cause.getMessage(), cause);
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("Redis backend: could not check persistence.ack = {} within {} s (Redis unreachable?); "
                    + "it is checked when Redis answers", pipeline.durability(), DURABILITY_CHECK.toSeconds());
        }
    }

    private static final Duration DURABILITY_CHECK = Duration.ofSeconds(20);

    /** The pool's pipeline, for operators and tests: backlog, reachability. */
    public Optional<CommandPipeline> pipeline(String pool) {
        return pool(pool).map(PoolRuntime::pipeline);
    }

    /** The running pool as the functions use it (its reads and writes keep order with staged session writes). */
    public Optional<PoolRuntime> pool(String pool) {
        return Optional.ofNullable(pools.get(pool));
    }

    /** True when every channel has subscribed. */
    public boolean channelsReady() {
        return channels.stream().allMatch(SubscriptionChannel::isSubscribed);
    }

    /**
     * Readiness of one pool: down at once when the pipeline knows Redis is unreachable, else a
     * PING queued behind the pool's other commands must answer within {@link #HEALTH_PROBE}
     * (an idle connection may have died without the pipeline noticing yet).
     */
    private static HealthCheck.Status probe(PoolRuntime pool) {
        CommandPipeline p = pool.pipeline();
        String where = pool.config().type().name().toLowerCase(java.util.Locale.ROOT) + " " + pool.config().servers();
        if (!p.isUp()) {
            return HealthCheck.Status.down(where + " unreachable; " + p.backlog() + " writes waiting");
        }
        try {
            p.submit(io.perch.redis.client.RedisOp.read("health", List.of(r -> r.ping())))
                    .get(HEALTH_PROBE.toMillis(), TimeUnit.MILLISECONDS);
            return HealthCheck.Status.up(where + " answered PING; " + p.backlog() + " writes waiting");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HealthCheck.Status.down(where + ": interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            return HealthCheck.Status.down(where + " unreachable: " + (e.getCause() == null ? e : e.getCause()).getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            return HealthCheck.Status.down(where + " did not answer PING within " + HEALTH_PROBE.toMillis() + " ms");
        }
    }

    @Override
    public void stop() {
        if (statuses != null) {
            statuses.unregister("redis");
            statuses = null;
        }
        if (cluster != null) {
            cluster.stop();
        }
        if (health != null) {
            for (String pool : pools.keySet()) {
                health.unregister("redis:" + pool);
            }
            health = null;
        }
        if (sessionStore != null) {
            sessionStore.bind(null);
        }
        if (retainedStore != null) {
            retainedStore.unbind();
        }
        if (binder != null) {
            binder.unbind();
            binder = null;
        }
        channels.forEach(SubscriptionChannel::close);
        channels.clear();
        for (PoolRuntime p : pools.values()) {
            p.pipeline().close(Duration.ofSeconds(3));
        }
        pools.clear();
        connectors.values().forEach(PoolConnector::close);
        connectors.clear();
        if (timer != null) {
            timer.shutdownNow();
        }
        if (brokerSide != null) {
            brokerSide.shutdown();
            try {
                brokerSide.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (resources != null) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            resources = null;
        }
        if (embedded != null) {
            embedded.stop();
            embedded = null;
        }
    }

    /** The embedded Redis, when some pool's server is {@code embedded}. */
    public Optional<EmbeddedRedis> embeddedRedis() {
        return Optional.ofNullable(embedded);
    }

    /**
     * A pool with a host:port is an external Redis: when it does not answer it is waited for
     * (the pipeline retries, keeping writes) and never replaced by an empty Redis of Perch's.
     * Earlier versions did start one on a silent loopback address, so say what changed.
     */
    private static void hintIfNothingAnswers(PoolConfig pc) {
        if (pc.type() != PoolType.SINGLE) {
            return;
        }
        HostPort hp = pc.servers().get(0);
        if (EmbeddedRedis.isLoopback(hp.host()) && !RedisProcess.listening(hp.host(), hp.port())) {
            log.warn("Redis pool {}: nothing answers on {}; waiting for that Redis (writes are kept for replay). Perch "
                    + "starts its own Redis only for backend.redis.{}.server = embedded", pc.name(), hp, pc.name());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
