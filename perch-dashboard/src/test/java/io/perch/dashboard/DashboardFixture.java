package io.perch.dashboard;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.MqttClient;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-process broker with the dashboard plugin on a free port (login admin / the given
 * password, plus any extra config lines), and the Paho clients a test connected;
 * {@link #close()} stops all of it. The dashboard's data dir is {@code dir}, so
 * {@link #restartDashboard()} sees what the previous run stored.
 */
public final class DashboardFixture implements AutoCloseable {
    public final BrokerFixture broker;
    public final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    public final MutableClock clock = new MutableClock();
    public DashboardPlugin plugin;
    private final Path dir;
    private final List<ConfigEntry> entries = new ArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();

    private DashboardFixture(Path dir, String password, List<ConfigEntry> extra) throws Exception {
        this.dir = dir;
        entries.add(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 1));
        entries.add(new ConfigEntry("dashboard.default_user.password", password, "test.conf", 2));
        entries.addAll(extra);
        broker = BrokerFixture.start();
        try {
            startDashboard();
        } catch (Exception | Error e) {
            broker.close();
            registry.close();
            throw e;
        }
    }

    public static DashboardFixture start(Path dir, String password) throws Exception {
        return new DashboardFixture(dir, password, List.of());
    }

    /** With more config lines after the listener (line 1) and password (line 2). */
    public static DashboardFixture start(Path dir, String password, List<ConfigEntry> extra) throws Exception {
        return new DashboardFixture(dir, password, extra);
    }

    private void startDashboard() throws Exception {
        DashboardPlugin p = new DashboardPlugin().useClock(clock);
        p.configure(entries);
        p.start(new PluginContext(broker.broker().service(), registry, dir, dir));
        plugin = p;
    }

    /** Stops the dashboard and starts a new one with the same config and data dir (on a new port). */
    public void restartDashboard() throws Exception {
        plugin.stop();
        startDashboard();
    }

    /** Closes this client with the fixture. */
    public MqttClient track(MqttClient c) {
        clients.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (MqttClient c : clients) {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000);
            }
            c.close(true);
        }
        plugin.stop();
        broker.close();
        registry.close();
    }
}
