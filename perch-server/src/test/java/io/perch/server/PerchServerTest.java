package io.perch.server;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginStores;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.server.testplugin.RecordingPlugin;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The whole product in-process: config file, plugin life cycle, a real MQTT client over TCP. */
class PerchServerTest {
    @TempDir
    Path home;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private PerchServer startServer(RecordingPlugin plugin) throws Exception {
        Files.createDirectories(home.resolve("etc/plugins"));
        Files.writeString(home.resolve("etc/perch.conf"), String.join("\n",
                "node.name = test@127.0.0.1",
                "listener.tcp.external = 127.0.0.1:0",
                "listener.ws.external = off",
                "data.dir = var/data",
                "broker.sys_interval = 0", // no $SYS traffic in the message counters
                ""));
        Files.writeString(home.resolve("etc/plugins/rec.conf"), "rec.enabled = true\n");
        PerchServer server = PerchServer.load(home, Path.of("etc/perch.conf"), List.of(), List.of(plugin));
        cleanup.add(server::stop);
        server.start();
        return server;
    }

    private MqttClient client(PerchServer server, String id) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + server.port("tcp"), id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setConnectionTimeout(10);
        c.connect(o);
        cleanup.add(() -> {
            if (c.isConnected()) {
                c.disconnect();
            }
            c.close();
        });
        return c;
    }

    @Test
    void publishesAndReceivesOverTcpWithPluginsAndMetricsWired() throws Exception {
        RecordingPlugin plugin = new RecordingPlugin("rec", "rec.");
        PerchServer server = startServer(plugin);

        assertThat(server.port("tcp")).isPositive();
        assertThat(plugin.events).containsExactly("configure", "stores", "start");
        assertThat(plugin.context.dataDir()).isEqualTo(home.resolve("var/data"));
        assertThat(plugin.context.dataDir()).isDirectory();
        assertThat(plugin.context.broker().nodeName()).isEqualTo("test@127.0.0.1");
        assertThat(plugin.context.metrics()).isSameAs(server.metrics());

        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        MqttClient sub = client(server, "sub");
        sub.subscribe("t/#", 1, (topic, msg) -> received.add(topic + " " + new String(msg.getPayload(), StandardCharsets.UTF_8)));
        MqttClient pub = client(server, "pub");
        pub.publish("t/1", "hello".getBytes(StandardCharsets.UTF_8), 1, false);

        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("t/1 hello");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(server.metrics().scrape()).contains("perch_messages_received_total 1.0"));
    }

    @Test
    void stopClosesListenersThenStopsPlugins() throws Exception {
        AtomicInteger port = new AtomicInteger();
        RecordingPlugin plugin = new RecordingPlugin("rec", "rec.") {
            @Override
            public void stop() {
                events.add(portOpen(port.get()) ? "stop: listener still open" : "stop: listener closed");
            }
        };
        PerchServer server = startServer(plugin);
        port.set(server.port("tcp"));
        assertThat(portOpen(port.get())).isTrue();

        server.stop();
        server.stop(); // idempotent

        assertThat(plugin.events).containsExactly("configure", "stores", "start", "stop: listener closed");
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", port.get()), 2000))
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void disabledPluginsAreConfiguredButNotStarted() throws Exception {
        RecordingPlugin off = new RecordingPlugin("off", "off.");
        RecordingPlugin rec = new RecordingPlugin("rec", "rec.");
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/perch.conf"), "listener.tcp.external = 127.0.0.1:0\nlistener.ws.external = off\n");
        PerchServer server = PerchServer.load(home, Path.of("etc/perch.conf"), List.of("rec.enabled=true"), List.of(off, rec));
        cleanup.add(server::stop);
        server.start();

        assertThat(off.events).containsExactly("configure");
        assertThat(rec.events).containsExactly("configure", "stores", "start");
    }

    @Test
    void theBrokerUsesTheStoresAPluginSupplies() throws Exception {
        RecordingPlugin plugin = new RecordingPlugin("rec", "rec.");
        MemoryRetainedStore retained = new MemoryRetainedStore();
        MemorySessionStore sessions = new MemorySessionStore();
        plugin.supplies = new PluginStores(sessions, retained);
        PerchServer server = startServer(plugin);

        MqttClient pub = client(server, "store-user");
        pub.publish("kept/1", "r".getBytes(StandardCharsets.UTF_8), 1, true);
        await().atMost(Duration.ofSeconds(10)).until(() -> retained.get("kept/1").isPresent());
        assertThat(sessions.get("store-user")).isNotNull();
        assertThat(server.service().retained()).isSameAs(retained);
    }

    @Test
    void twoPluginsSupplyingOneKindOfStoreStopStartUp() {
        RecordingPlugin a = new RecordingPlugin("a", "a.");
        RecordingPlugin b = new RecordingPlugin("b", "b.");
        a.supplies = new PluginStores(null, new MemoryRetainedStore());
        b.supplies = new PluginStores(new MemorySessionStore(), new MemoryRetainedStore());
        a.configure(List.of(new ConfigEntry("a.enabled", "true", "a.conf", 1)));
        b.configure(List.of(new ConfigEntry("b.enabled", "true", "b.conf", 1)));
        assertThatThrownBy(() -> PerchServer.suppliedStores(List.of(a, b)))
                .hasMessage("plugins a and b both supply the retained message store; turn one of them off");
        assertThat(PerchServer.suppliedStores(List.of(a)).retained()).isSameAs(a.supplies.retained());
    }

    private static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
