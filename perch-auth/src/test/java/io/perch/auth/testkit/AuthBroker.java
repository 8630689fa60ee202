package io.perch.auth.testkit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.auth.AuthPlugin;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.RawClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A broker on loopback ports with the auth plugin configured from {@code key = value} lines
 * (relative paths resolve against {@code home}) and started before the listeners bind, as
 * perch-server does; closes the broker, the plugin and every client it opened.
 */
public final class AuthBroker implements AutoCloseable {
    public final AuthPlugin plugin = new AuthPlugin();
    public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    public final BrokerFixture broker;
    private final List<RawClient> clients = new ArrayList<>();

    private AuthBroker(Path home, Consumer<BrokerConfig.Builder> tune, List<String> lines) {
        plugin.configure(entries(lines));
        broker = BrokerFixture.start(tune, b -> {
            try {
                plugin.start(new PluginContext(b.service(), metrics, home, home));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public static AuthBroker start(Path home, Consumer<BrokerConfig.Builder> tune, String... lines) {
        return new AuthBroker(home, tune, List.of(lines));
    }

    public static List<ConfigEntry> entries(List<String> lines) {
        List<ConfigEntry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            int eq = l.indexOf('=');
            out.add(new ConfigEntry(l.substring(0, eq).strip(), l.substring(eq + 1).strip(), "test.conf", i + 1));
        }
        return out;
    }

    public RawClient client() {
        RawClient c = RawClient.open(broker.tcpPort());
        clients.add(c);
        return c;
    }

    public double count(String name, String source, String result) {
        var c = metrics.find(name).tag("source", source).tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        clients.forEach(RawClient::close);
        broker.close();
        plugin.stop();
    }
}
