package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.redis.plugin.RedisBackendPlugin;
import io.perch.redis.testkit.ConfFile;
import io.perch.redis.testkit.TestRedis;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against an
 * in-process broker and the dashboard plugin on free ports: see {@code src/test/browser/dashboard.spec.js}.
 * Skipped unless {@code /usr/bin/chromium}, {@code node} and {@code src/test/browser/node_modules}
 * exist ({@code apt-get install chromium}; {@code npm ci} in src/test/browser).
 */
class DashboardBrowserTest {
    private static final File DIR = new File("src/test/browser");
    private static final String PASSWORD = "browser-secret";
    private static final int FLEET = 2000;

    @TempDir
    Path tmp;

    @Test
    void userFollowsTheWalkthroughInChromium() throws Exception {
        assumeTrue(new File("/usr/bin/chromium").canExecute(), "chromium not installed (apt-get install chromium)");
        assumeTrue(onPath("node"), "node not installed");
        assumeTrue(new File(DIR, "node_modules/playwright-core").isDirectory(), "run npm ci in perch-dashboard/src/test/browser");

        DashboardPlugin plugin = new DashboardPlugin();
        plugin.configure(List.of(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 1),
                new ConfigEntry("dashboard.default_user.password", PASSWORD, "test.conf", 2),
                // Samples every half second, so the charts have a history within the test's time.
                new ConfigEntry("dashboard.history_interval", "500ms", "test.conf", 3),
                // Alarms raise and clear within the test's time.
                new ConfigEntry("dashboard.alarms.check_interval", "500ms", "test.conf", 4)));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The Redis page shows one pool on a real redis-server and one whose server is not there (down).
        RedisBackendPlugin backend = new RedisBackendPlugin();
        // The Users and ACL pages: the auth plugin on a password file and an ACL file; allow_anonymous
        // stays on, so the other steps' clients (no username) still connect, and the ACL allows what they do.
        io.perch.auth.AuthPlugin auth = authPlugin();
        try (BrokerFixture fixture = BrokerFixture.start(b -> { }, b -> {
            try {
                auth.start(new PluginContext(b.service(), registry, tmp, tmp));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }); TestRedis redis = TestRedis.start()) {
            plugin.start(new PluginContext(fixture.broker().service(), registry, tmp, tmp));
            backend.configure(ConfFile.lines("backend.redis.embedded = off", "backend.redis.pool1.server = " + redis.server(),
                    "backend.redis.pool2.server = 127.0.0.1:" + TestRedis.freePort(), "persistence.pool = pool1",
                    "backend.redis.hook.message.publish.1 = {\"action\": {\"function\": \"on_message_publish\"}, "
                            + "\"topic\": \"sensors/#\", \"pool\": \"pool1\"}"));
            backend.start(new PluginContext(fixture.broker().service(), registry, tmp, tmp));
            var svc = fixture.broker().service();
            MqttClient watcher = new MqttClient(fixture.tcpUri(), "paho-watcher", new MemoryPersistence());
            var target = new org.eclipse.paho.mqttv5.client.MqttClient(fixture.tcpUri(), "paho-target",
                    new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            List<org.eclipse.paho.mqttv5.common.MqttMessage> toTarget = new CopyOnWriteArrayList<>();
            // Pages of the Clients list to turn: FLEET clients besides the few the test names.
            try (ClientFleet fleet = ClientFleet.connect(fixture.tcpUri(), "load-", FLEET, "fleet")) {
                watcher.connect(new MqttConnectOptions());
                watcher.subscribe("sensors/#", 1);
                MqttMessage retained = new MqttMessage("21.5".getBytes(StandardCharsets.UTF_8));
                retained.setQos(1);
                retained.setRetained(true);
                watcher.publish("sensors/room1/temp", retained);
                MqttMessage sys = new MqttMessage("test".getBytes(StandardCharsets.UTF_8));
                sys.setRetained(true);
                watcher.publish("$SYS/test/info", sys);
                // The page subscribes this MQTT 5 client to console/downlink and publishes to it.
                target.setCallback(new Received(toTarget));
                target.connect();

                // One message dropped as too large for its subscriber: the Alarms page's history shows it.
                var small = new org.eclipse.paho.mqttv5.client.MqttClient(fixture.tcpUri(), "paho-small",
                        new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
                var smallOptions = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
                smallOptions.setMaximumPacketSize(64L);
                small.connect(smallOptions);
                small.subscribe("alarm/big", 0);
                long tooLarge = svc.stats().messagesDroppedTooLarge.sum();
                watcher.publish("alarm/big", new MqttMessage(new byte[512]));
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> svc.stats().messagesDroppedTooLarge.sum() > tooLarge);
                small.disconnect();
                small.close();

                // What the Log page looks for (a warning, whatever level other tests left the root logger at).
                org.slf4j.LoggerFactory.getLogger("io.perch.test.Browser").warn("browser test: a line for the log page");
                Run run = runSpec("http://127.0.0.1:" + plugin.port() + "/", fixture.wsPort());
                assertThat(run.exit).as(run.output).isZero();
                JsonNode result = new ObjectMapper().readTree(run.resultLine());
                assertThat(texts(result.get("steps"))).containsExactly("login", "overview", "reload", "clients", "websocket",
                        "subscriptions", "topics", "retained", "backends", "paging", "subscribe", "publish",
                        "retained-delete", "unsubscribe", "nodes", "log", "listeners", "alarms", "users", "acl", "phone",
                        "dark", "logout");
                // What the page did reached the broker and a real subscriber.
                assertThat(toTarget).singleElement().satisfies(m -> {
                    assertThat(new String(m.getPayload(), StandardCharsets.UTF_8)).isEqualTo(result.get("published").asText());
                    assertThat(m.getQos()).isEqualTo(1);
                    assertThat(m.getProperties().getContentType()).isEqualTo("text/plain");
                    assertThat(m.getProperties().getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue())
                            .containsExactly("source=dashboard");
                });
                assertThat(svc.subscriptions("paho-target")).doesNotContainKey("console/downlink");
                assertThat(svc.retained().get("sensors/room1/temp")).isEmpty();
                assertThat(svc.retained().get("$SYS/test/info")).isPresent();
                assertThat(result.get("dialogs").toString()).contains("Delete the retained message on sensors/room1/temp?",
                        "Forget every cleared alarm?");
                assertThat(result.get("clientsTotal").asInt()).isEqualTo(FLEET);
                assertThat(result.get("filteredTotal").asInt()).isEqualTo(1000);
                assertThat(result.get("foreignRequests")).as("requests to other hosts").isEmpty();
                assertThat(result.get("samplesAfterReload").asInt()).isGreaterThanOrEqualTo(result.get("samplesBeforeReload").asInt())
                        .isGreaterThanOrEqualTo(4);
                assertThat(result.at("/shell/title").asText()).isEqualTo("Perch Dashboard");
                assertThat(result.at("/shell/lang").asText()).isEqualTo("en");
                assertThat(result.at("/shell/banner").asText()).isEqualTo("The dashboard still uses the default password, "
                        + "set by test.conf:2. Change it on the Password page or with bin/perch ctl admins passwd.");
                assertThat(result.at("/shell/bannerLink").asText()).isEqualTo("#/password");
                assertThat(result.at("/shell/bannerSource").asBoolean()).isTrue();
                assertThat(result.get("wsPort").asInt()).isEqualTo(fixture.wsPort());
                assertThat(result.get("received").asText()).startsWith("received  sub_client/downlink  qos 1  hello from the browser");
                assertThat(result.get("consoleErrors")).isEmpty();
                assertThat(texts(result.get("logRows"))).as("only the matching warning").singleElement().asString().contains("warn");
                // What the Users page did is in the password file, and a real client logs in with it.
                String passwd = Files.readString(tmp.resolve("etc/passwd"));
                assertThat(passwd).contains("browser-user:$7$").doesNotContain("short-lived").doesNotContain("browser-user-pw2");
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> canConnect(fixture.tcpUri(), "browser-user", "browser-user-pw2"));
                assertThat(canConnect(fixture.tcpUri(), "browser-user", "first-browser-user")).as("the first password").isFalse();
                assertThat(result.get("dialogs").toString()).contains("Delete user short-lived?");
                assertThat(result.get("aclCheck").asText()).contains("denied").contains("the file source");
                assertThat(texts(result.get("screenshots"))).hasSize(43)
                        .allSatisfy(f -> assertThat(Files.size(Path.of(f))).isGreaterThan(1000));
                assertThat(run.output).doesNotContain(PASSWORD);
            } finally {
                if (watcher.isConnected()) {
                    watcher.disconnectForcibly(0, 1000);
                }
                watcher.close(true);
                if (target.isConnected()) {
                    target.disconnectForcibly(0, 1000, false);
                }
                target.close(true);
                plugin.stop();
                backend.stop();
            }
        } finally {
            auth.stop();
            registry.close();
        }
    }

    /** The auth plugin on etc/passwd (user operator) and an EMQ X etc/acl.conf under tmp, reloaded every 200 ms. */
    private io.perch.auth.AuthPlugin authPlugin() throws Exception {
        Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(tmp.resolve("etc/passwd"), "operator:"
                + io.perch.auth.file.MosquittoHash.hash7("operator-pw".getBytes(StandardCharsets.UTF_8), 10) + "\n");
        Files.writeString(tmp.resolve("etc/acl.conf"), """
                {allow, {user, "sensor"}, publish, ["sensors/%u/#"]}.
                {deny, all, publish, ["sensors/locked/#"]}.
                {deny, all, subscribe, [{eq, "#"}]}.
                {allow, all}.
                """);
        io.perch.auth.AuthPlugin auth = new io.perch.auth.AuthPlugin();
        auth.configure(List.of(new ConfigEntry("auth.file.password_file", "etc/passwd", "test.conf", 10),
                new ConfigEntry("auth.file.reload_interval", "200ms", "test.conf", 11),
                new ConfigEntry("acl_file", "etc/acl.conf", "test.conf", 12)));
        return auth;
    }

    /** Whether a real MQTT client logs in with these credentials. */
    private static boolean canConnect(String uri, String user, String password) {
        try {
            MqttClient c = new MqttClient(uri, "login-" + System.nanoTime(), new MemoryPersistence());
            try {
                MqttConnectOptions o = new MqttConnectOptions();
                o.setUserName(user);
                o.setPassword(password.toCharArray());
                c.connect(o);
                c.disconnect();
                return true;
            } finally {
                c.close(true);
            }
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            return false;
        }
    }

    /** Keeps what an MQTT 5 client receives. */
    private record Received(List<org.eclipse.paho.mqttv5.common.MqttMessage> into) implements org.eclipse.paho.mqttv5.client.MqttCallback {
        @Override
        public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) {
            into.add(m);
        }

        @Override
        public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
        }

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {
        }

        @Override
        public void connectComplete(boolean reconnect, String uri) {
        }

        @Override
        public void authPacketArrived(int reason, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {
        }
    }

    /**
     * The broker as one node of a fixed three-node cluster ({@link FixedCluster}: n2 listed but
     * not answering, n3 without a heartbeat): the lists show a node column and filter and name
     * the nodes that did not answer; the Nodes page lists all three; the Alarms page lists this
     * node's alarm with its node. See {@code cluster.spec.js}.
     */
    @Test
    void inAClusterTheListsShowNodesAndWhichDidNotAnswer() throws Exception {
        assumeTrue(new File("/usr/bin/chromium").canExecute(), "chromium not installed (apt-get install chromium)");
        assumeTrue(onPath("node"), "node not installed");
        assumeTrue(new File(DIR, "node_modules/playwright-core").isDirectory(), "run npm ci in perch-dashboard/src/test/browser");

        DashboardPlugin plugin = new DashboardPlugin();
        plugin.configure(List.of(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 1),
                new ConfigEntry("dashboard.default_user.password", PASSWORD, "test.conf", 2),
                new ConfigEntry("dashboard.alarms.check_interval", "500ms", "test.conf", 3)));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // A limit of one connection: node-local fills it, so the Alarms page has an alarm to list.
        try (BrokerFixture fixture = BrokerFixture.start(b -> b.maxConnections(1))) {
            var svc = fixture.broker().service();
            plugin.start(new PluginContext(FixedCluster.around(svc), registry, tmp, tmp));
            MqttClient local = new MqttClient(fixture.tcpUri(), "node-local", new MemoryPersistence());
            try {
                local.connect(new MqttConnectOptions());
                local.subscribe("local/topic", 0);
                Run run = runScript("cluster.spec.js", "http://127.0.0.1:" + plugin.port() + "/", "admin", PASSWORD, svc.nodeName());
                assertThat(run.exit).as(run.output).isZero();
                JsonNode result = new ObjectMapper().readTree(run.resultLine());
                assertThat(texts(result.get("steps"))).containsExactly("login", "clients", "subscriptions", "nodes", "listeners", "alarms",
                        "phone");
                assertThat(texts(result.get("nodeOptions"))).containsExactly("all nodes", svc.nodeName() + " (this node)", "n2", "n3");
                assertThat(result.get("foreignRequests")).isEmpty();
                assertThat(result.get("consoleErrors")).isEmpty();
                assertThat(texts(result.get("screenshots"))).hasSize(6)
                        .allSatisfy(f -> assertThat(Files.size(Path.of(f))).isGreaterThan(1000));
                assertThat(run.output).doesNotContain(PASSWORD);
            } finally {
                if (local.isConnected()) {
                    local.disconnectForcibly(0, 1000);
                }
                local.close(true);
                plugin.stop();
            }
        } finally {
            registry.close();
        }
    }

    private record Run(int exit, String output) {
        String resultLine() {
            return output.lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.substring(7)).findFirst()
                    .orElseThrow(() -> new AssertionError("no RESULT line in:\n" + output));
        }
    }

    private static Run runSpec(String baseUrl, int wsPort) throws Exception {
        return runScript("dashboard.spec.js", baseUrl, "admin", PASSWORD, String.valueOf(wsPort), String.valueOf(FLEET));
    }

    private static Run runScript(String... scriptAndArgs) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("node"));
        cmd.addAll(List.of(scriptAndArgs));
        Process p = new ProcessBuilder(cmd).directory(DIR).redirectErrorStream(true).start();
        // Read while it runs so a full pipe can never stall the browser.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "reading output failed: " + e;
            }
        });
        try {
            boolean done = p.waitFor(120, TimeUnit.SECONDS);
            assertThat(done).as("dashboard.spec.js finished within 120 s").isTrue();
            return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS));
        } finally {
            // Chromium is a child of node: end the whole tree, never leave a browser behind.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static List<String> texts(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, cmd).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
