package io.perch.dashboard;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.MqttClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-process broker with the dashboard plugin on a free port (login admin / the given
 * password), and the Paho clients a test connected; {@link #close()} stops all of it.
 */
public final class DashboardFixture implements AutoCloseable {
    public final BrokerFixture broker;
    public final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    public final DashboardPlugin plugin = new DashboardPlugin();
    private final List<MqttClient> clients = new ArrayList<>();

    private DashboardFixture(Path dir, String password) throws Exception {
        broker = BrokerFixture.start();
        plugin.configure(List.of(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 1),
                new ConfigEntry("dashboard.default_user.password", password, "test.conf", 2)));
        plugin.start(new PluginContext(broker.broker().service(), registry, dir, dir));
    }

    public static DashboardFixture start(Path dir, String password) throws Exception {
        return new DashboardFixture(dir, password);
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
