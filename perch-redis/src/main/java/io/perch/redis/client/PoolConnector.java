package io.perch.redis.client;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.perch.redis.config.HostPort;
import io.perch.redis.config.PoolConfig;
import io.perch.redis.config.PoolType;
import io.perch.redis.config.TlsConfig;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens Lettuce connections for one pool, whatever its topology. Connections reconnect by
 * themselves; while one is down its commands are rejected at once (not buffered without
 * bound inside Lettuce), because the {@link CommandPipeline} keeps the bounded, ordered
 * backlog itself. For Sentinel every (re)connect asks the sentinels for the current master,
 * which is what makes a failover transparent.
 */
public final class PoolConnector implements AutoCloseable {
    private final PoolConfig config;
    private final Duration timeout;
    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    private final AtomicLong disconnects = new AtomicLong();

    public PoolConnector(PoolConfig config, ClientResources resources, Duration timeout) {
        this.config = config;
        this.timeout = timeout;
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
        // No per-command timers: the pipeline puts one deadline on each batch itself, and a
        // Lettuce timeout per command (a wheel-timer entry scheduled and cancelled for every
        // HSET) cost more CPU than the command's own encoding.
        TimeoutOptions timeouts = TimeoutOptions.builder().timeoutCommands(false).build();
        if (config.type() == PoolType.CLUSTER) {
            List<RedisURI> seeds = new ArrayList<>();
            for (HostPort hp : config.servers()) {
                seeds.add(uri(hp).build());
            }
            clusterClient = RedisClusterClient.create(resources, seeds);
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket).timeoutOptions(timeouts).sslOptions(sslOptions())
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAllAdaptiveRefreshTriggers().build())
                    .build());
            client = null;
            clusterClient.addListener(disconnectCounter());
        } else {
            client = RedisClient.create(resources);
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket).timeoutOptions(timeouts).sslOptions(sslOptions())
                    .build());
            clusterClient = null;
            client.addListener(disconnectCounter());
        }
    }

    private RedisConnectionStateListener disconnectCounter() {
        return new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                disconnects.incrementAndGet();
            }
        };
    }

    public PoolConfig config() {
        return config;
    }

    /** The URI of a single server or the Sentinel set, with database and credentials. */
    RedisURI dataUri() {
        if (config.type() == PoolType.SENTINEL) {
            RedisURI.Builder b = RedisURI.builder().withSentinelMasterId(config.sentinelMaster());
            for (HostPort hp : config.servers()) {
                b.withSentinel(hp.host(), hp.port());
            }
            return credentials(b).withDatabase(config.database()).withSsl(config.tls().enabled())
                    .withVerifyPeer(verifyMode()).withTimeout(timeout).build();
        }
        return uri(config.servers().get(0)).withDatabase(config.database()).build();
    }

    private RedisURI.Builder uri(HostPort hp) {
        return credentials(RedisURI.builder().withHost(hp.host()).withPort(hp.port()))
                .withSsl(config.tls().enabled()).withVerifyPeer(verifyMode()).withTimeout(timeout);
    }

    private RedisURI.Builder credentials(RedisURI.Builder b) {
        if (config.password() != null) {
            if (config.username() != null) {
                b.withAuthentication(config.username(), config.password());
            } else {
                b.withPassword(config.password().toCharArray());
            }
        }
        return b;
    }

    private SslVerifyMode verifyMode() {
        return config.tls().verify() ? SslVerifyMode.FULL : SslVerifyMode.NONE;
    }

    private SslOptions sslOptions() {
        TlsConfig tls = config.tls();
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (tls.enabled() && tls.caCertFile() != null) {
            b.trustManager(new File(tls.caCertFile()));
        }
        if (tls.enabled() && tls.certFile() != null) {
            b.keyManager(new File(tls.certFile()), new File(tls.keyFile()), null);
        }
        return b.build();
    }

    /** Opens the pipeline's connection; throws when Redis cannot be reached now. */
    public RedisLink connect() {
        if (clusterClient != null) {
            StatefulRedisClusterConnection<byte[], byte[]> c = clusterClient.connect(ByteArrayCodec.INSTANCE);
            return new RedisLink(c, c.async(), disconnects::get, false);
        }
        StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE, dataUri());
        return new RedisLink(c, c.async(), disconnects::get, true);
    }

    /**
     * A pub/sub connection. On a Redis Cluster a PUBLISH on any master reaches the subscribers
     * of every node, so one connection (to a node Lettuce picks) hears every channel.
     */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        if (clusterClient != null) {
            return clusterClient.connectPubSub(StringCodec.UTF8);
        }
        return client.connectPubSub(StringCodec.UTF8, dataUri());
    }

    /** Whether this pool is a Redis Cluster (its keys spread over masters by slot). */
    public boolean isCluster() {
        return clusterClient != null;
    }

    @Override
    public void close() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (clusterClient != null) {
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
