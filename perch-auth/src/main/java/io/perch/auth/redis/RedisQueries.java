package io.perch.auth.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.redis.client.PoolConnector;
import io.perch.redis.client.RedisLink;
import io.perch.redis.config.PoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The redis source's one Lettuce connection (single, Sentinel or Cluster, TLS or not, through
 * perch-redis's {@link PoolConnector}) and the deadline on each query. Lettuce multiplexes
 * every query over it, so EMQ X's {@code pool} of connections is not needed. When Redis cannot
 * be reached at start the broker starts anyway (queries fail, and the chain asks the next
 * source) and the connection is tried again every few seconds on the plugin's timer; once
 * open, Lettuce reconnects by itself and rejects queries while it is down.
 *
 * <p>Threads: started and closed on the main thread; {@link #run} on any thread; replies
 * complete on Lettuce's I/O threads.
 */
final class RedisQueries implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisQueries.class);
    static final Duration RETRY = Duration.ofSeconds(5);

    private final PoolConfig pool;
    private final Duration timeout;
    private ClientResources resources;
    private PoolConnector connector;
    private volatile RedisLink link;
    private ScheduledFuture<?> retry;
    private Counter errors;
    private boolean closed;

    RedisQueries(PoolConfig pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
    }

    synchronized void start(ScheduledExecutorService timer, MeterRegistry metrics) {
        errors = Counter.builder("perch.auth.redis.errors")
                .description("Queries of the redis authentication source that failed or timed out").register(metrics);
        // Two I/O threads are plenty for auth lookups; Lettuce's default is one per core.
        resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
        connector = new PoolConnector(pool, resources, timeout);
        if (!tryConnect()) {
            retry = timer.scheduleWithFixedDelay(() -> {
                if (tryConnect()) {
                    synchronized (this) {
                        if (retry != null) {
                            retry.cancel(false);
                        }
                    }
                }
            }, RETRY.toMillis(), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private boolean tryConnect() {
        PoolConnector c;
        synchronized (this) {
            if (closed || link != null) {
                return true;
            }
            c = connector;
        }
        try {
            RedisLink l = c.connect();
            synchronized (this) {
                if (closed) {
                    l.close();
                    return true;
                }
                link = l;
            }
            log.info("redis authentication source connected to {}", pool);
            return true;
        } catch (RuntimeException e) {
            log.warn("redis authentication source cannot reach {}: {}; its queries fail (the chain asks the next "
                    + "source) until it can, trying again every {}s", pool, e.getMessage(), RETRY.toSeconds());
            return false;
        }
    }

    /**
     * Runs one query with the {@code query_timeout} deadline. The stage fails when Redis is not
     * connected, refuses the command or does not answer in time.
     */
    <T> CompletableFuture<T> run(Function<RedisClusterAsyncCommands<byte[], byte[]>, RedisFuture<T>> query) {
        RedisLink l = link;
        CompletableFuture<T> f;
        if (l == null) {
            f = CompletableFuture.failedFuture(new IllegalStateException("not connected: " + pool + " could not be reached"));
        } else {
            try {
                // A copy, so the deadline does not complete Lettuce's own command object.
                f = query.apply(l.commands()).toCompletableFuture().copy()
                        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
        }
        return f.handle((v, e) -> {
            if (e == null) {
                return v;
            }
            errors.increment();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                cause = new TimeoutException("no reply from Redis within " + timeout.toMillis() + " ms");
            }
            throw new CompletionException(cause);
        });
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        if (link != null) {
            link.close();
            link = null;
        }
        if (connector != null) {
            connector.close();
            connector = null;
        }
        if (resources != null) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            resources = null;
        }
    }
}
