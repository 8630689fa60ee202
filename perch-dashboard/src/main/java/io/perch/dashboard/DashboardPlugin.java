package io.perch.dashboard;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PerchPlugin;
import io.perch.broker.plugin.PluginContext;
import io.perch.dashboard.http.Auth;
import io.perch.dashboard.http.HttpHandler;
import io.perch.dashboard.http.HttpServer;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.metrics.MetricsBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;

/**
 * The web dashboard, the EMQ X 4-shaped REST API ({@code /api/v4}) and the Prometheus endpoint,
 * on one HTTP listener (18083 by default, like EMQ X). Enabled unless {@code dashboard.enable = off}.
 */
public final class DashboardPlugin implements PerchPlugin {
    private static final Logger log = LoggerFactory.getLogger(DashboardPlugin.class);

    private DashboardConfig config = DashboardConfig.defaults();
    private HttpServer server;
    private AutoCloseable metricsBinding;

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

    @Override
    public void start(PluginContext context) throws Exception {
        Json json = new Json();
        Auth auth = new Auth(config.login(), config.password(), Clock.systemUTC());
        metricsBinding = MetricsBinder.bind(context.metrics(), context.broker().stats(), context.broker().hooks());
        HttpHandler handler = new HttpHandler(ApiRoutes.build(config, context.broker(), context.metrics(), auth, json), auth, json);
        server = new HttpServer(config.host(), config.port(), handler);
        log.info("dashboard listening on http://{}:{}/ (REST API at /api/v4, Prometheus at /metrics)", config.host(), server.port());
        if (config.defaultPassword()) {
            log.warn("**********************************************************************");
            log.warn("* The dashboard user '{}' still has the DEFAULT PASSWORD.", config.login());
            log.warn("* Anyone who can reach port {} can manage this broker.", server.port());
            log.warn("* Set dashboard.default_user.password in etc/perch.conf.");
            log.warn("**********************************************************************");
        }
    }

    /** The bound port (useful with {@code dashboard.listener.http = 0}); -1 when not started. */
    public int port() {
        return server == null ? -1 : server.port();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
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
