package io.perch.server;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.Broker;
import io.perch.broker.api.BrokerService;
import io.perch.broker.plugin.PerchPlugin;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.plugin.PluginStores;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.session.SessionStore;
import io.perch.server.config.PerchConfig;
import io.perch.server.config.PerchConfigLoader;
import io.perch.broker.stats.BrokerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole product in one object: the engine, the enabled plugins and the metrics registry,
 * wired from a loaded {@link PerchConfig}. Built with the stores plugins supply (asked before
 * the broker exists). Start order: metrics, plugins (so their hooks are in place for the
 * first client), listeners. Stop order is the reverse: listeners close and
 * sessions flush, then plugins stop, each step within a time bound so that SIGTERM always
 * ends the process. Argument parsing lives in {@link Main}; tests build this directly.
 */
public final class PerchServer {
    private static final Logger log = LoggerFactory.getLogger(PerchServer.class);

    private final PerchConfig config;
    private final Broker broker;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<PerchPlugin> started = new ArrayList<>();
    private final Duration stopTimeout;
    private JvmGcMetrics gcMetrics;
    private boolean startAttempted;
    private boolean up;
    private boolean stopped;

    /** @param stopTimeout how long {@link #stop} waits for the broker, and then for all plugins together */
    public PerchServer(PerchConfig config, Duration stopTimeout) {
        this.config = config;
        this.stopTimeout = stopTimeout;
        PluginStores stores = suppliedStores(config.plugins().keySet());
        this.broker = new Broker(config.broker(),
                stores.sessions() != null ? stores.sessions() : new MemorySessionStore(),
                stores.retained() != null ? stores.retained() : new MemoryRetainedStore(),
                stores.persistence() != null ? stores.persistence() : SessionPersistence.NONE,
                stores.cluster() != null ? stores.cluster() : io.perch.broker.cluster.Cluster.NONE);
    }

    /**
     * The stores enabled plugins supply, asked before the broker is built because the broker
     * is made with its stores. Two plugins supplying one kind stop start-up: which should win
     * is the operator's call, not the class path's order.
     */
    static PluginStores suppliedStores(Iterable<PerchPlugin> plugins) {
        Supplied<SessionStore> sessions = new Supplied<>("the session store", "sessions are kept by plugin {}");
        Supplied<RetainedStore> retained = new Supplied<>("the retained message store",
                "retained messages are kept by plugin {}");
        Supplied<SessionPersistence> persistence = new Supplied<>("the session persistence",
                "sessions that outlive their connection are kept by plugin {}");
        Supplied<io.perch.broker.cluster.Cluster> cluster = new Supplied<>("the cluster link",
                "this node joins the cluster through plugin {}");
        for (PerchPlugin p : plugins) {
            if (p.enabled()) {
                PluginStores s = p.stores();
                sessions.offer(p, s.sessions());
                retained.offer(p, s.retained());
                persistence.offer(p, s.persistence());
                cluster.offer(p, s.cluster());
            }
        }
        return new PluginStores(sessions.value, retained.value, persistence.value, cluster.value);
    }

    /** One kind of store, taken from at most one plugin. */
    private static final class Supplied<T> {
        private final String kind;
        private final String logLine;
        T value;
        private String from;

        Supplied(String kind, String logLine) {
            this.kind = kind;
            this.logLine = logLine;
        }

        void offer(PerchPlugin p, T store) {
            if (store == null) {
                return;
            }
            if (value != null) {
                throw new IllegalStateException("plugins " + from + " and " + p.name() + " both supply " + kind
                        + "; turn one of them off");
            }
            value = store;
            from = p.name();
            log.info(logLine, p.name());
        }
    }

    public PerchServer(PerchConfig config) {
        this(config, Duration.ofSeconds(15));
    }

    /** Loads {@code mainFile} (relative to {@code home}), its plugins directory and the overrides. */
    public static PerchServer load(Path home, Path mainFile, List<String> overrides, List<PerchPlugin> plugins) {
        return new PerchServer(new PerchConfigLoader(home, plugins).load(mainFile, overrides));
    }

    /** Starts plugins then listeners; on failure everything already started is stopped again and the error thrown. */
    public synchronized void start() throws Exception {
        if (startAttempted || stopped) {
            throw new IllegalStateException("a PerchServer starts once");
        }
        startAttempted = true;
        try {
            bindMetrics();
            config.notices().forEach(log::info);
            Path dataDir = config.server().dataDir();
            createDir(dataDir);
            PluginContext context = new PluginContext(broker.service(), metrics, config.home(), dataDir);
            for (PerchPlugin p : config.plugins().keySet()) {
                if (p.enabled()) {
                    p.start(context);
                    started.add(p);
                    log.info("plugin {} started", p.name());
                }
            }
            broker.start();
        } catch (Exception | Error e) {
            boolean interrupted = Thread.interrupted(); // a stop signal's (StartCommand): the stop runs whole
            stop();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        // The broker logs one line per bound listener (name, type, address, actual port).
        up = true;
        log.info("Perch {} started as {}", PerchVersion.get(), config.broker().nodeName);
    }

    /**
     * Stops listeners (sessions are flushed by the broker), then plugins in reverse start
     * order. Bounded: a step that overruns its time is logged and left behind. Idempotent.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        // Also when never started: the broker's event loop groups hold file descriptors from construction.
        bounded("broker", stopTimeout, broker::stop);
        long deadline = System.nanoTime() + stopTimeout.toNanos();
        for (int i = started.size() - 1; i >= 0; i--) {
            PerchPlugin p = started.get(i);
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            bounded("plugin " + p.name(), left, p::stop);
        }
        started.clear();
        if (gcMetrics != null) {
            gcMetrics.close();
        }
        metrics.close();
        if (up) {
            log.info("Perch stopped");
        }
    }

    /** Actual port of the first listener of a type (tcp, ssl, ws, wss). */
    public int port(String type) {
        return broker.port(type);
    }

    public BrokerService service() {
        return broker.service();
    }

    /** The registry a metrics endpoint serves ({@code metrics().scrape()}). */
    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public PerchConfig config() {
        return config;
    }

    private void bindMetrics() {
        BrokerMetrics.bind(broker.service().stats(), broker.hooks(), metrics);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(metrics);
    }

    private static void createDir(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create data.dir " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Runs a step on its own thread and waits at most {@code limit}; failures are logged, not thrown. */
    private static void bounded(String what, Duration limit, Step step) {
        Thread t = new Thread(() -> {
            try {
                step.run();
            } catch (Exception e) {
                log.warn("stopping {} failed: {}", what, e.toString());
            }
        }, "perch-stop-" + what.replace(' ', '-'));
        t.setDaemon(true);
        t.start();
        try {
            t.join(Math.max(1, limit.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("stopping {} took longer than {} ms; going on without it", what, limit.toMillis());
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }
}
