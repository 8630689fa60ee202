package io.perch.dashboard;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PerchPlugin;
import io.perch.broker.plugin.PluginContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.perch.broker.plugin.ConfigException;
import io.perch.dashboard.alarm.AlarmBook;
import io.perch.dashboard.alarm.AlarmChecks;
import io.perch.dashboard.api.MetricsHistory;
import io.perch.dashboard.api.RecentLog;
import io.perch.dashboard.api.NodeApi;
import io.perch.dashboard.api.StatsHighWater;
import io.perch.dashboard.http.AdminPassword;
import io.perch.dashboard.http.Auth;
import io.perch.dashboard.http.LoginThrottle;
import io.perch.dashboard.http.HttpHandler;
import io.perch.dashboard.http.HttpServer;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.metrics.MetricsBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The web dashboard, the EMQ X 4-shaped REST API ({@code /api/v4}) and the Prometheus endpoint,
 * on one HTTP listener (18083 by default, like EMQ X) and optionally an HTTPS one with the same routes.
 * Enabled unless {@code dashboard.enable = off}.
 */
public final class DashboardPlugin implements PerchPlugin {
    private static final Logger log = LoggerFactory.getLogger(DashboardPlugin.class);

    private DashboardConfig config = DashboardConfig.defaults();
    private HttpServer server;
    private ScheduledExecutorService statsTimer;
    /** The only thread that checks alarm conditions and raises or clears alarms. */
    private ScheduledExecutorService alarmTimer;
    /** Merges what other nodes answer for cluster-wide API calls, off the event loops. */
    private java.util.concurrent.ExecutorService clusterWork;
    private HttpServer httpsServer;
    private Clock clock = Clock.systemUTC();
    private AutoCloseable metricsBinding;
    /** Log lines the dashboard's log viewer keeps (about 400 KB at 200 bytes a line). */
    static final int RECENT_LOG_LINES = 2000;
    private MetricsHistory history;
    /** The log viewer's lines; null when logback is not the backend or before start. */
    private RecentLog recentLog;

    @Override
    public String name() {
        return "dashboard";
    }

    @Override
    public List<String> configPrefixes() {
        return List.of("dashboard.");
    }

    @Override
    public void configure(List<ConfigEntry> entries) {
        config = DashboardConfig.parse(entries);
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    public DashboardConfig config() {
        return config;
    }

    /** The clock for token expiry and login throttling (tests move it instead of sleeping). */
    public DashboardPlugin useClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    @Override
    public void start(PluginContext context) throws Exception {
        Json json = new Json();
        Path stored = context.dataDir() == null ? null : context.dataDir().resolve(AdminPassword.FILE);
        AdminPassword admin = AdminPassword.load(config.login(), config.passwordHash(), config.passwordWhere(),
                config.defaultPassword(), stored);
        if (admin.stored()) {
            log.info("dashboard user '{}': password from the stored hash {} (changed through the API; it overrides "
                    + "dashboard.default_user.password, {})", admin.login(), admin.source(), config.passwordWhere());
            if (!admin.login().equals(config.login())) {
                log.warn("dashboard: the login '{}' in {} overrides dashboard.default_user.login = {}",
                        admin.login(), admin.source(), config.login());
            }
        } else {
            log.info("dashboard user '{}': password from {}", admin.login(), admin.source());
        }
        // TLS material is checked before anything is bound, so a bad file fails start-up cleanly.
        SslContext ssl = config.httpsEnabled() ? sslContext(context.homeDir()) : null;
        Auth auth = new Auth(admin, config.tokenTtl(), clock);
        metricsBinding = MetricsBinder.bind(context.metrics(), context.broker().stats(), context.broker().hooks());
        // After the binder: it skips the broker's meters when any perch.* meter already exists.
        LoginThrottle throttle = new LoginThrottle(clock, context.metrics());
        // The *.max of /api/v4/stats: sampled every second, as EMQ X refreshes its stats.
        StatsHighWater highWater = new StatsHighWater();
        NodeApi sampler = new NodeApi(context.broker(), json, admin, highWater);
        statsTimer = Executors.newSingleThreadScheduledExecutor(daemon("perch-dashboard-stats"));
        statsTimer.scheduleWithFixedDelay(logged(sampler::stats, "sampling stats"), 0, 1, TimeUnit.SECONDS);
        // The charts' history: sampled on the same thread, which owns its ring buffer.
        long every = config.historyInterval().toMillis();
        history = new MetricsHistory(context.broker(), context.metrics(), clock, every, json);
        MetricsHistory h = history;
        statsTimer.scheduleAtFixedRate(logged(h::sample, "sampling the metrics history"), every, every, TimeUnit.MILLISECONDS);
        clusterWork = Executors.newSingleThreadExecutor(daemon("perch-dashboard-cluster"));
        recentLog = RecentLog.attach(RECENT_LOG_LINES);
        AlarmBook alarms = startAlarms(context, json);
        HttpHandler handler = new HttpHandler(ApiRoutes.build(config, context.broker(), context.metrics(), auth, throttle,
                json, highWater, history, clusterWork, recentLog, alarms), auth, throttle, json);
        try {
            if (config.httpEnabled()) {
                server = bind("dashboard.listener.http", config.host(), config.port(), handler, null);
                log.info("dashboard listening on http://{}:{}/ (REST API at /api/v4, Prometheus at /metrics)",
                        config.host(), server.port());
            }
            if (ssl != null) {
                httpsServer = bind("dashboard.listener.https", config.httpsHost(), config.httpsPort(), handler, ssl);
                log.info("dashboard listening on https://{}:{}/ (REST API at /api/v4, Prometheus at /metrics)",
                        config.httpsHost(), httpsServer.port());
            }
        } catch (Exception e) {
            stop();
            throw e;
        }
        if (admin.isDefault()) {
            log.warn("**********************************************************************");
            log.warn("* The dashboard user '{}' still has the DEFAULT PASSWORD \"public\".", admin.login());
            log.warn("* Anyone who can reach the dashboard can manage this broker.");
            log.warn("* It is set by {}.", admin.source());
            log.warn("* Change it: bin/perch ctl admins passwd, or {}.", admin.stored()
                    ? "delete " + admin.source() + " and set dashboard.default_user.password"
                    : "set dashboard.default_user.password there");
            log.warn("**********************************************************************");
        }
    }

    /**
     * Alarms are checked on their own thread, so a slow backend snapshot never delays the stats
     * sampling; the first check runs at once, then every {@code dashboard.alarms.check_interval}.
     */
    private AlarmBook startAlarms(PluginContext context, Json json) {
        AlarmBook book = new AlarmBook(context.broker(), json.mapper(), AlarmBook.DEFAULT_HISTORY);
        AlarmChecks checks = new AlarmChecks(context.broker(), book, System::currentTimeMillis,
                config.heapHighWatermark(), config.heapLowWatermark());
        alarmTimer = Executors.newSingleThreadScheduledExecutor(daemon("perch-dashboard-alarms"));
        alarmTimer.scheduleWithFixedDelay(logged(checks::check, "checking alarms"), 0, config.alarmInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        return book;
    }

    /** The plugin's own threads never keep the JVM alive. */
    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** A periodic task whose failure is logged (debug) and does not cancel the next runs. */
    private static Runnable logged(Runnable task, String what) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.debug("{} failed", what, e);
            }
        };
    }

    /** The HTTPS certificate and key must exist and belong together (perch check); nothing is bound. */
    @Override
    public void check(Path home) {
        if (config.httpsEnabled()) {
            sslContext(home);
        }
    }

    /** Binds one listener; a port in use names the listener and the address. */
    private static HttpServer bind(String listener, String host, int port, HttpHandler handler, SslContext ssl)
            throws InterruptedException {
        try {
            return new HttpServer(host, port, handler, ssl);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) { // Netty throws java.net.BindException unchecked
            String why = String.valueOf(e.getMessage());
            throw new IllegalStateException("cannot bind " + listener + " to " + host + ":" + port + ": " + why
                    + (why.contains("in use") ? " (another process listens there; change " + listener + ")" : ""), e);
        }
    }

    /** The PEM certificate and key of dashboard.listener.https; errors name the config line. */
    private SslContext sslContext(Path home) {
        File cert = pem(config.certFile(), home);
        File key = pem(config.keyFile(), home);
        try (InputStream in = Files.newInputStream(cert.toPath())) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new ConfigException(config.certFile(), "no certificate in " + cert);
            }
        } catch (IOException | CertificateException e) {
            throw new ConfigException(config.certFile(), "not a PEM certificate: " + cert + ": " + e.getMessage());
        }
        try {
            return SslContextBuilder.forServer(cert, key).build();
        } catch (Exception e) {
            throw new ConfigException(config.keyFile(), "cannot use this private key with "
                    + config.certFile().where() + "'s certificate: " + e.getMessage());
        }
    }

    private static File pem(ConfigEntry e, Path home) {
        Path p = Path.of(e.value().trim());
        if (!p.isAbsolute() && home != null) {
            p = home.resolve(p);
        }
        if (!Files.isReadable(p)) {
            throw new ConfigException(e, Files.exists(p) ? "cannot read " + p : "no such file: " + p);
        }
        return p.toFile();
    }

    /**
     * Takes one metrics-history sample now, on the timer thread that owns the history, and
     * waits for it (tests drive the history this way instead of waiting for the timer).
     */
    public void sampleHistory() throws Exception {
        ScheduledExecutorService timer = statsTimer;
        if (timer == null) {
            throw new IllegalStateException("the dashboard is not running");
        }
        MetricsHistory h = history;
        timer.submit(h::sample).get(10, TimeUnit.SECONDS);
    }

    /** The bound HTTP port (useful with {@code dashboard.listener.http = 0}); -1 when not started or off. */
    public int port() {
        return server == null ? -1 : server.port();
    }

    /** The bound HTTPS port; -1 when not started or off. */
    public int httpsPort() {
        return httpsServer == null ? -1 : httpsServer.port();
    }

    @Override
    public void stop() {
        if (recentLog != null) {
            recentLog.detach();
            recentLog = null;
        }
        if (statsTimer != null) {
            statsTimer.shutdownNow();
            statsTimer = null;
        }
        if (alarmTimer != null) {
            alarmTimer.shutdownNow();
            alarmTimer = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }

        if (httpsServer != null) {
            httpsServer.close();
            httpsServer = null;
        }
        if (clusterWork != null) {
            clusterWork.shutdownNow();
            clusterWork = null;
        }
        if (metricsBinding != null) {
            try {
                metricsBinding.close();
            } catch (Exception e) {
                log.debug("closing JVM GC metrics failed", e);
            }
            metricsBinding = null;
        }
    }
}
