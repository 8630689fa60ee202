package io.perch.broker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.perch.broker.api.BrokerService;
import io.perch.broker.cluster.Cluster;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.config.ListenerConfig;
import io.perch.broker.core.BrokerCore;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionConnection;
import io.perch.broker.session.SessionStore;
import io.perch.broker.sys.SysPublisher;
import io.perch.broker.transport.AcceptWatch;
import io.perch.broker.transport.ConnectionCounter;
import io.perch.broker.transport.DescriptorLimit;
import io.perch.broker.transport.MqttChannelInitializer;
import io.perch.broker.transport.NodeConnections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running MQTT broker: event loops, listeners and the engine. Register hooks through
 * {@link #hooks()} (or plugins through {@link #service()}) before {@link #start()}.
 */
public final class Broker {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    /** How long reading the stored sessions may take (about 30 s per million on a small machine). */
    private static final long RESTORE_TIMEOUT_SECONDS = 300;

    /** A bound listener. */
    public record Bound(ListenerConfig config, Channel channel, ConnectionCounter counter) {
        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }
    }

    private final BrokerConfig config;
    private final HookRegistry hooks;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> serverChannel;
    private final BrokerCore core;
    private final BrokerServiceImpl service;
    /** Written by the starting thread while clients already connect (see start), read by any. */
    private final List<Bound> bound = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final SessionPersistence persistence;
    /** Each event loop's keep-alive checks and connection tickers, shared by the listeners. */
    private final io.perch.broker.protocol.ConnectionTimers connectionTimers = new io.perch.broker.protocol.ConnectionTimers();
    private NodeConnections nodeConnections;
    private SysPublisher sys;
    private volatile boolean started;

    public Broker(BrokerConfig config) {
        this(config, new MemorySessionStore(), new MemoryRetainedStore());
    }

    public Broker(BrokerConfig config, SessionStore sessions, RetainedStore retained) {
        this(config, sessions, retained, SessionPersistence.NONE);
    }

    /** A broker whose sessions that outlive their connection are kept by {@code persistence}. */
    public Broker(BrokerConfig config, SessionStore sessions, RetainedStore retained, SessionPersistence persistence) {
        this(config, sessions, retained, persistence, Cluster.NONE);
    }

    /** A broker that is one node of a cluster on one Redis ({@link Cluster#NONE}: a single node). */
    public Broker(BrokerConfig config, SessionStore sessions, RetainedStore retained, SessionPersistence persistence,
                  Cluster cluster) {
        this.config = config;
        this.persistence = persistence;
        this.hooks = new HookRegistry(config.hooksTimeout);
        boolean epoll = Epoll.isAvailable();
        this.boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("perch-accept"))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("perch-accept"));
        this.workers = epoll ? new EpollEventLoopGroup(config.resolvedIoThreads(), new DefaultThreadFactory("perch-io"))
                : new NioEventLoopGroup(config.resolvedIoThreads(), new DefaultThreadFactory("perch-io"));
        this.serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.core = new BrokerCore(config, hooks, sessions, retained, workers, persistence, cluster);
        this.service = new BrokerServiceImpl(core, this);
        service.health().register("listeners", this::listenersHealth);
    }

    /** Up while started with every configured listener bound (and not stopping). */
    private io.perch.broker.health.HealthCheck.Status listenersHealth() {
        List<Bound> now = List.copyOf(bound);
        List<String> names = now.stream().map(b -> b.config().name() + " on " + b.config().host() + ":" + b.port())
                .toList();
        if (!started) {
            return io.perch.broker.health.HealthCheck.Status.down("not started (bound: " + names + ")");
        }
        if (now.size() < config.listeners.size() || now.stream().anyMatch(b -> !b.channel().isActive())) {
            return io.perch.broker.health.HealthCheck.Status.down("bound " + now.size() + " of "
                    + config.listeners.size() + " listeners: " + names);
        }
        return io.perch.broker.health.HealthCheck.Status.up(String.join(", ", names));
    }

    public HookRegistry hooks() {
        return hooks;
    }

    public BrokerService service() {
        return service;
    }

    public BrokerConfig config() {
        return config;
    }

    /** Binds every listener; throws (after releasing what was bound) when one cannot bind. */
    public synchronized void start() {
        if (started) {
            return;
        }
        nodeConnections = NodeConnections.resolve(config.maxConnections, DescriptorLimit.current());
        try {
            // Listening first: reading a million stored sessions takes tens of seconds, and
            // meanwhile clients connect (a CONNECT reads its own session) while publishes wait.
            if (persistence.durable()) {
                core.restoreGate.close();
            }
            if (core.cluster.enabled()) {
                io.perch.broker.session.Seqs.writer(core.seqs, core.cluster.writerId());
                core.cluster.bind(new io.perch.broker.core.NodeInbound(core));
            }
            for (ListenerConfig l : config.listeners) {
                bound.add(bind(l));
            }
            restoreSessions();
        } catch (RuntimeException e) {
            // A start interrupted by a stop signal still cleans up whole: the stop's own waits
            // must not see that interrupt.
            boolean interrupted = Thread.interrupted();
            stop();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        sys = new SysPublisher(core, service);
        sys.start();
        started = true;
        log.info("{} event loop(s) serve connections (node.io_threads = {})", config.resolvedIoThreads(),
                config.ioThreads > 0 ? Integer.toString(config.ioThreads) : "auto");
    }

    /**
     * Before the restore gate opens: seqs and message ids start above every one the store holds,
     * whatever the wall clock says (it may have stepped back while the broker was down). Until
     * then a PUBLISH waits for its message id (PublishFlow), and nothing is routed to a stored
     * session, the only kind whose seqs could meet stored ones (a loaded session raises the
     * seqs above its own).
     */
    private void counterFloor() {
        long floor = awaitStore(persistence.clockFloor(), "the stored clock floor");
        long behind = floor - System.currentTimeMillis() * 1000;
        if (behind > 0) {
            log.warn("the wall clock is {} ms behind the latest message the store holds; new messages are "
                    + "numbered after the stored ones", behind / 1000);
        }
        io.perch.broker.session.Seqs.seen(core.seqs, floor << io.perch.broker.session.Seqs.WRITER_BITS);
        core.ids.above(floor);
    }

    /**
     * With the listeners bound: the stored sessions become known (their subscriptions routed to,
     * their expiries and wills scheduled; they load on CONNECT), then publishes go on.
     */
    private void restoreSessions() {
        if (!persistence.durable()) {
            return;
        }
        long t0 = System.nanoTime();
        List<SessionPersistence.Dormant> stored = awaitStore(persistence.restore(), "the stored sessions");
        counterFloor(); // Redis answered the restore: one more read
        core.sessions.restore(stored);
        core.restoreGate.open();
        log.info("stored sessions known after {} ms; publishes go on", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Waits for a start-up read of the store; its failure stops the start, saying {@code what} could not be read. */
    private static <T> T awaitStore(java.util.concurrent.CompletionStage<T> read, String what) {
        try {
            return read.toCompletableFuture().get(RESTORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot read " + what + ": " + cause.getMessage(), cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read " + what + " within " + RESTORE_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + what, e);
        }
    }

    private Bound bind(ListenerConfig l) {
        SslContext ssl = l.isTls() ? sslContext(l) : null;
        ConnectionCounter counter = new ConnectionCounter(l.name(), l.maxConnections(), l.maxConnPerIp(), l.maxConnRate(),
                nodeConnections, core.stats, core.offenders);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptWatch(l.name(), core.stats))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // Bounded per-connection output: a slow reader stops costing memory past 1 MiB.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new MqttChannelInitializer(core, l, ssl, counter, connectionTimers));
        try {
            Channel ch = b.bind(l.host(), l.port()).sync().channel();
            Bound bd = new Bound(l, ch, counter);
            log.info("listener {} ({}) on {}:{}{}", l.name(), l.type(), l.host(), bd.port(),
                    l.isWebSocket() ? " path " + l.wsPath() : "");
            return bd;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot bind listener " + l.name() + " to " + l.host() + ":" + l.port()
                    + ": " + e.getMessage(), e);
        }
    }

    private static SslContext sslContext(ListenerConfig l) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(new File(l.certFile()), new File(l.keyFile()));
            if (l.caCertFile() != null) {
                b.trustManager(new File(l.caCertFile()));
            }
            b.clientAuth(l.verifyPeer() ? ClientAuth.REQUIRE : ClientAuth.NONE);
            return b.build();
        } catch (Exception e) {
            throw new IllegalStateException("listener " + l.name() + ": cannot load TLS certificate/key: " + e.getMessage(), e);
        }
    }

    /** The bound port of the first listener of a type (tcp, ssl, ws, wss), or -1. */
    public int port(String type) {
        for (Bound b : bound) {
            if (b.config().type().equals(type)) {
                return b.port();
            }
        }
        return -1;
    }

    /** The node-wide connection limit and count; null before {@link #start()}. */
    public NodeConnections nodeConnections() {
        return nodeConnections;
    }

    public List<Bound> bound() {
        return List.copyOf(bound);
    }

    BrokerCore core() {
        return core;
    }

    /**
     * Stops accepting, tells v5 clients the server is shutting down (0x8B), closes every
     * connection after its pending writes are flushed, then stops the event loops.
     */
    public synchronized void stop() {
        if (sys != null) {
            sys.stop();
        }
        for (Bound b : bound) {
            b.channel().close().syncUninterruptibly();
        }
        bound.clear();
        for (Session s : core.sessions.store().all()) {
            SessionConnection c = s.connection();
            if (c != null) {
                c.disconnect(SessionConnection.Close.SHUTDOWN);
            }
        }
        boss.shutdownGracefully(0, 2000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        if (started) {
            log.info("broker {} stopped", config.nodeName);
        }
        started = false;
    }
}
