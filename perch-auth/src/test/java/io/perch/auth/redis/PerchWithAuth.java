package io.perch.auth.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.perch.auth.AuthPlugin;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.RawClient;
import io.perch.redis.testkit.ConfFile;
import io.perch.redis.testkit.TestRedis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A real broker on loopback ports with the auth plugin configured from an {@code auth.redis.*}
 * file (by default EMQ X 4's shipped emqx_auth_redis.conf, only its server line pointed at the
 * test's Redis, as a user would edit it) and started, as the server starts plugins. Closes the
 * clients it opened, the broker, the plugin and its directory.
 */
final class PerchWithAuth implements AutoCloseable {
    final BrokerFixture fixture;
    final AuthPlugin plugin;
    final SimpleMeterRegistry metrics;
    private final Path home;
    private final List<RawClient> clients = new ArrayList<>();

    private PerchWithAuth(BrokerFixture fixture, AuthPlugin plugin, SimpleMeterRegistry metrics, Path home) {
        this.fixture = fixture;
        this.plugin = plugin;
        this.metrics = metrics;
        this.home = home;
    }

    /** The EMQ X 4 file from the test resources. */
    static Path emqx4File() {
        try {
            return Path.of(PerchWithAuth.class.getResource("/emqx4/emqx_auth_redis.conf").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The EMQ X 4 file against {@code server}, with {@code extra} lines replacing the file's lines of the same key. */
    static List<ConfigEntry> emqx4(String server, String... extra) {
        List<ConfigEntry> extras = ConfFile.parse(List.of(extra), "test-extra.conf");
        List<ConfigEntry> out = new ArrayList<>();
        for (ConfigEntry e : ConfFile.read(emqx4File())) {
            if (extras.stream().noneMatch(x -> x.key().equals(e.key()))) {
                out.add(e.key().equals("auth.redis.server") ? new ConfigEntry(e.key(), server, e.file(), e.line()) : e);
            }
        }
        out.addAll(extras);
        return out;
    }

    static PerchWithAuth start(TestRedis redis, Consumer<BrokerConfig.Builder> tune, String... extra) {
        return start(emqx4(redis.server(), extra), tune);
    }

    static PerchWithAuth start(List<ConfigEntry> entries, Consumer<BrokerConfig.Builder> tune) {
        Path home;
        try {
            home = Files.createTempDirectory("perch-auth-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AuthPlugin plugin = new AuthPlugin();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        plugin.configure(entries);
        try {
            BrokerFixture fixture = BrokerFixture.start(tune, broker -> {
                try {
                    plugin.start(new PluginContext(broker.service(), metrics, home, home));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            return new PerchWithAuth(fixture, plugin, metrics, home);
        } catch (RuntimeException e) {
            plugin.stop();
            throw e;
        }
    }

    RawClient open() {
        RawClient c = RawClient.open(fixture.tcpPort());
        clients.add(c);
        return c;
    }

    /** CONNECT v5 with username and password (null: none); returns the CONNACK reason code. */
    int connectV5(String clientId, String user, String password) {
        return connect(open(), RawClient.v5(clientId, true, 60), user, password);
    }

    /** CONNECT v3.1.1; returns the CONNACK return code. */
    int connectV3(String clientId, String user, String password) {
        return connect(open(), RawClient.v3(clientId, true, 60), user, password);
    }

    /** A connected client, failing when the broker refuses it. */
    RawClient client(int version, String clientId, String user, String password) {
        RawClient c = open();
        int code = connect(c, version == 5 ? RawClient.v5(clientId, true, 60) : RawClient.v3(clientId, true, 60),
                user, password);
        if (code != 0) {
            throw new AssertionError(clientId + " refused: 0x" + Integer.toHexString(code));
        }
        return c;
    }

    private static int connect(RawClient c, io.netty.handler.codec.mqtt.MqttMessageBuilders.ConnectBuilder b,
                               String user, String password) {
        if (user != null) {
            b.username(user);
        }
        if (password != null) {
            b.password(password.getBytes(StandardCharsets.UTF_8));
        }
        MqttConnAckMessage ack = c.connect(b.build());
        return ack.variableHeader().connectReturnCode().byteValue() & 0xff;
    }

    /** The SUBACK code for one filter at QoS 1. */
    static int subscribe(RawClient c, int packetId, String filter) {
        MqttSubAckMessage ack = c.subscribe(packetId, filter, 1);
        return ack.payload().reasonCodes().get(0) & 0xff;
    }

    double counter(String name, String... tags) {
        var c = metrics.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        try {
            clients.forEach(RawClient::close);
            fixture.close();
        } finally {
            plugin.stop();
            try (var walk = Files.walk(home)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir
            }
        }
    }
}
