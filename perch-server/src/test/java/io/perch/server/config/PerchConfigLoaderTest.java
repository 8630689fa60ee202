package io.perch.server.config;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.server.testplugin.RecordingPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ownership, overrides, plugin routing and file loading. Key-by-key binding is in {@link BrokerKeysTest}. */
class PerchConfigLoaderTest {
    @TempDir
    Path home;

    static List<ConfigEntry> lines(String... kv) {
        List<ConfigEntry> out = new ArrayList<>();
        for (int i = 0; i < kv.length; i++) {
            String[] p = kv[i].split(" = ", 2);
            out.add(new ConfigEntry(p[0], p[1], "etc/perch.conf", i + 1));
        }
        return out;
    }

    @Test
    void noEntriesGivesTheDocumentedDefaults() {
        PerchConfig c = new PerchConfigLoader(home, List.of()).bind(List.of());

        assertThat(c.broker()).usingRecursiveComparison().isEqualTo(BrokerConfig.builder().build());
        assertThat(c.server()).isEqualTo(new ServerSettings("info", home.resolve("log"), home.resolve("data")));
        assertThat(c.notices()).containsExactly(
                "ssl listener on port 8883 not started: set listener.ssl.external.certfile and .keyfile to enable it",
                "wss listener on port 8084 not started: set listener.wss.external.certfile and .keyfile to enable it");
    }

    @Test
    void unknownKeyNamesLineAndClosestKey() {
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of())
                .bind(lines("node.name = a@b", "mqtt.max_packet_sise = 1MB")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf:2: unknown key 'mqtt.max_packet_sise' (did you mean 'mqtt.max_packet_size'?)");
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of())
                .bind(lines("zone.external.max_inflght = 3")))
                .hasMessage("etc/perch.conf:1: unknown key 'zone.external.max_inflght' (did you mean 'zone.external.max_inflight'?)");
    }

    @Test
    void unknownKeyNearAPluginPrefixSuggestsThePrefix() {
        RecordingPlugin redis = new RecordingPlugin("redis", "backend.redis.");
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of(redis))
                .bind(lines("backend.rediss.pool1.server = 127.0.0.1:6379")))
                .hasMessage("etc/perch.conf:1: unknown key 'backend.rediss.pool1.server' (did you mean 'backend.redis.*'?)");
    }

    @Test
    void dashboardKeysAreNotTheServersWithoutTheirPlugin() {
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of()).bind(lines("dashboard.listener.http = 18083")))
                .hasMessageStartingWith("etc/perch.conf:1: unknown key 'dashboard.listener.http'");
    }

    @Test
    void wrongTypeNamesFileLineKeyValueAndExpectation() {
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of())
                .bind(List.of(new ConfigEntry("mqtt.max_qos_allowed", "3", "etc/perch.conf", 12))))
                .hasMessage("etc/perch.conf:12: mqtt.max_qos_allowed = 3: expected a whole number from 0 to 2");
    }

    @Test
    void laterEntriesOverrideEarlierOnesAndSetWinsLast() {
        List<ConfigEntry> entries = new ArrayList<>();
        entries.add(new ConfigEntry("zone.external.max_inflight", "10", "etc/perch.conf", 3));
        entries.add(new ConfigEntry("zone.external.max_inflight", "20", "etc/perch.conf", 9));
        entries.add(new ConfigEntry("node.name", "x@y", "etc/plugins/a.conf", 1));
        entries.add(ConfigFileParser.parseOverride("zone.external.max_inflight=30"));

        BrokerConfig b = new PerchConfigLoader(home, List.of()).bind(entries).broker();
        assertThat(b.maxInflight).isEqualTo(30);
        assertThat(b.nodeName).isEqualTo("x@y");
    }

    @Test
    void anOverriddenBadValueIsNeverRead() {
        List<ConfigEntry> entries = List.of(
                new ConfigEntry("mqtt.max_qos_allowed", "7", "etc/perch.conf", 1),
                new ConfigEntry("mqtt.max_qos_allowed", "1", "--set", 0));
        assertThat(new PerchConfigLoader(home, List.of()).bind(entries).broker().maxQosAllowed).isEqualTo(1);
    }

    @Test
    void pluginGetsOnlyItsEntriesInOrderWithJsonIntact() {
        String rule = "{\"topic\": \"#\", \"action\": {\"commands\": [\"SET a=b\"]}}";
        RecordingPlugin redis = new RecordingPlugin("redis", "backend.redis.");
        RecordingPlugin other = new RecordingPlugin("other", "other.");
        PerchConfig c = new PerchConfigLoader(home, List.of(redis, other)).bind(List.of(
                new ConfigEntry("backend.redis.pool1.server", "127.0.0.1:6379", "etc/plugins/r.conf", 1),
                new ConfigEntry("node.name", "a@b", "etc/perch.conf", 2),
                new ConfigEntry("backend.redis.hook.message.publish.1", rule, "etc/plugins/r.conf", 5),
                new ConfigEntry("backend.redis.pool1.server", "10.0.0.1:6379", "--set", 0)));

        assertThat(redis.configured).hasSize(1);
        assertThat(redis.configured.get(0)).containsExactly(
                new ConfigEntry("backend.redis.pool1.server", "10.0.0.1:6379", "--set", 0),
                new ConfigEntry("backend.redis.hook.message.publish.1", rule, "etc/plugins/r.conf", 5));
        assertThat(other.configured).containsExactly(List.of());
        assertThat(c.plugins()).containsOnlyKeys(redis, other);
        assertThat(c.plugins().get(redis)).isEqualTo(redis.configured.get(0));
    }

    @Test
    void pluginConfigErrorsStopLoading() {
        RecordingPlugin p = new RecordingPlugin("p", "p.");
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of(p)).bind(lines("p.fail = yes")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf:1: p.fail = yes: this plugin rejects it");
    }

    @Test
    void prefixesMayNotCoverBrokerKeysOrEachOther() {
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of(new RecordingPlugin("bad", "mqtt."))).bind(List.of()))
                .hasMessageStartingWith("plugin bad claims prefix 'mqtt.', which covers the broker key 'mqtt.");
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of(
                new RecordingPlugin("a", "auth."), new RecordingPlugin("b", "auth.redis."))).bind(List.of()))
                .hasMessage("plugins a and b both claim keys under 'auth.redis.'");
    }

    @Test
    void serverSettingsResolveAgainstHome() {
        ServerSettings s = new PerchConfigLoader(home, List.of()).bind(
                lines("log.level = warning", "log.dir = var/log", "data.dir = /srv/perch")).server();
        assertThat(s).isEqualTo(new ServerSettings("warn", home.resolve("var/log"), Path.of("/srv/perch")));
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of()).bind(lines("log.level = verbose")))
                .hasMessage("etc/perch.conf:1: log.level = verbose: expected error, warn, info, debug or trace");
    }

    @Test
    void loadsMainFileThenPluginFilesSortedThenOverrides() throws Exception {
        Files.createDirectories(home.resolve("etc/plugins"));
        Files.writeString(home.resolve("etc/perch.conf"), "## main\nnode.name = main@host\nzone.external.max_inflight = 5\n");
        Files.writeString(home.resolve("etc/plugins/b.conf"), "p.order = b\n");
        Files.writeString(home.resolve("etc/plugins/a.conf"), "p.order = a\np.only_a = 1\nzone.external.max_inflight = 6\n");
        Files.writeString(home.resolve("etc/plugins/ignored.txt"), "not = read\n");
        RecordingPlugin p = new RecordingPlugin("p", "p.");

        PerchConfig c = new PerchConfigLoader(home, List.of(p))
                .load(Path.of("etc/perch.conf"), List.of("node.name=set@host"));

        assertThat(c.broker().nodeName).isEqualTo("set@host");
        assertThat(c.broker().maxInflight).isEqualTo(6);
        assertThat(p.configured.get(0)).containsExactly(
                new ConfigEntry("p.order", "b", "etc/plugins/b.conf", 1),
                new ConfigEntry("p.only_a", "1", "etc/plugins/a.conf", 2));
    }

    @Test
    void errorsInPluginFilesNameThatFile() throws Exception {
        Files.createDirectories(home.resolve("etc/plugins"));
        Files.writeString(home.resolve("etc/perch.conf"), "node.name = a@b\n");
        Files.writeString(home.resolve("etc/plugins/x.conf"), "# x\n\nmqtt.retain_available = perhaps\n");

        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of()).load(Path.of("etc/perch.conf"), List.of()))
                .hasMessage("etc/plugins/x.conf:3: mqtt.retain_available = perhaps: expected true, false, on or off");
    }

    @Test
    void absoluteMainFileFindsPluginsBesideIt(@TempDir Path elsewhere) throws Exception {
        Files.createDirectories(elsewhere.resolve("plugins"));
        Files.writeString(elsewhere.resolve("my.conf"), "node.name = a@b\n");
        Files.writeString(elsewhere.resolve("plugins/p.conf"), "log.level = debug\n");

        PerchConfig c = new PerchConfigLoader(home, List.of()).load(elsewhere.resolve("my.conf"), List.of());
        assertThat(c.server().logLevel()).isEqualTo("debug");
        assertThat(c.home()).isEqualTo(home.toAbsolutePath().normalize());
    }

    @Test
    void missingMainFileIsAConfigError() {
        assertThatThrownBy(() -> new PerchConfigLoader(home, List.of()).load(Path.of("etc/perch.conf"), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf: config file not found (looked for "
                        + home.resolve("etc/perch.conf").toAbsolutePath() + ")");
    }

    @Test
    void ownKeysCoverEveryFamily() {
        assertThat(PerchConfigLoader.ownKeys())
                .contains("node.name", "listener.wss.external.mqtt_path", "mqtt.max_topic_alias",
                        "zone.external.max_subscriptions", "log.level", "data.dir")
                .noneMatch(k -> k.startsWith("dashboard."));
    }
}
