package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The REST API over real HTTP against an in-process broker with real Paho clients. */
class DashboardApiTest {
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString("admin:secret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private DashboardFixture dash;
    private BrokerFixture fixture;
    private DashboardPlugin plugin;
    private PrometheusMeterRegistry registry;

    @BeforeEach
    void start() throws Exception {
        dash = DashboardFixture.start(tmp, "secret");
        fixture = dash.broker;
        plugin = dash.plugin;
        registry = dash.registry;
    }

    @AfterEach
    void stop() throws Exception {
        dash.close();
    }

    private static ConfigEntry entry(String key, String value) {
        return new ConfigEntry(key, value, "test.conf", 1);
    }

    private MqttClient connect(String clientId, String username) throws Exception {
        MqttClient c = new MqttClient(fixture.tcpUri(), clientId, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        if (username != null) {
            o.setUserName(username);
            o.setPassword("pw".toCharArray());
        }
        c.connect(o);
        dash.track(c);
        return c;
    }

    private HttpResponse<String> send(String method, String path, String body, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plugin.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String method, String path, String body) throws Exception {
        HttpResponse<String> r = send(method, path, body, BASIC);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode n = mapper.readTree(r.body());
        assertThat(n.get("code").asInt()).isZero();
        return n;
    }

    @Test
    void rejectsMissingOrWrongCredentials() throws Exception {
        HttpResponse<String> none = send("GET", "/api/v4/clients", null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(mapper.readTree(none.body()).get("code").asInt()).isEqualTo(103);
        String wrong = "Basic " + Base64.getEncoder().encodeToString("admin:public".getBytes(StandardCharsets.UTF_8));
        assertThat(send("GET", "/api/v4/clients", null, wrong).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v4/clients", null, "Bearer made-up").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/api/v4/auth", "{\"username\":\"admin\",\"password\":\"nope\"}", null).statusCode()).isEqualTo(401);
    }

    @Test
    void loginTokenWorksAsBearer() throws Exception {
        HttpResponse<String> r = send("POST", "/api/v4/auth", "{\"username\":\"admin\",\"password\":\"secret\"}", null);
        assertThat(r.statusCode()).isEqualTo(200);
        String token = mapper.readTree(r.body()).at("/data/token").asText();
        assertThat(send("GET", "/api/v4/status", null, "Bearer " + token).statusCode()).isEqualTo(200);
        assertThat(ok("GET", "/api/v4/status", null).at("/data/default_password").asBoolean()).isFalse();
    }

    @Test
    void listsFiltersAndKicksClients() throws Exception {
        MqttClient a = connect("sensor-1", "alice");
        connect("sensor-2", "bob");
        connect("other", null);
        a.subscribe("sensor/+/temp", 1);

        JsonNode all = ok("GET", "/api/v4/clients", null);
        assertThat(all.at("/meta/count").asInt()).isEqualTo(3);
        JsonNode like = ok("GET", "/api/v4/clients?_like_clientid=sensor&_limit=1&_page=2", null);
        assertThat(like.at("/meta/count").asInt()).isEqualTo(2);
        assertThat(like.get("data")).hasSize(1);
        assertThat(like.at("/data/0/clientid").asText()).isEqualTo("sensor-2");
        JsonNode byUser = ok("GET", "/api/v4/clients?username=alice", null);
        assertThat(byUser.get("data")).hasSize(1);
        JsonNode c = byUser.at("/data/0");
        assertThat(c.get("clientid").asText()).isEqualTo("sensor-1");
        assertThat(c.get("ip_address").asText()).isEqualTo("127.0.0.1");
        assertThat(c.get("connected").asBoolean()).isTrue();
        assertThat(c.get("proto_ver").asInt()).isEqualTo(4);
        assertThat(c.get("subscriptions_cnt").asInt()).isEqualTo(1);
        assertThat(c.get("connected_at").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        for (String f : List.of("port", "created_at", "keepalive", "clean_start", "expiry_interval", "inflight",
                "max_inflight", "mqueue_len", "max_mqueue", "mqueue_dropped", "awaiting_rel", "recv_msg", "send_msg", "node")) {
            assertThat(c.has(f)).as(f).isTrue();
        }

        JsonNode subs = ok("GET", "/api/v4/subscriptions/sensor-1", null);
        assertThat(subs.at("/data/0/topic").asText()).isEqualTo("sensor/+/temp");
        assertThat(subs.at("/data/0/qos").asInt()).isEqualTo(1);
        assertThat(ok("GET", "/api/v4/subscriptions", null).at("/meta/count").asInt()).isEqualTo(1);
        JsonNode routes = ok("GET", "/api/v4/routes/" + URLEncoder.encode("sensor/+/temp", StandardCharsets.UTF_8), null);
        assertThat(routes.get("data")).hasSize(1);

        ok("DELETE", "/api/v4/clients/sensor-1", null);
        await().until(() -> !a.isConnected());
        HttpResponse<String> gone = send("GET", "/api/v4/clients/sensor-1", null, BASIC);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(mapper.readTree(gone.body()).get("code").asInt()).as("EMQ X's client not online").isEqualTo(112);
        assertThat(send("DELETE", "/api/v4/clients/nobody", null, BASIC).statusCode()).isEqualTo(404);
    }

    @Test
    void theGrafanaDashboardUsesMetricNamesThatMetricsServes() throws Exception {
        connect("one", null);
        String body = send("GET", "/metrics", null, null).body();
        JsonNode grafana = mapper.readTree(java.nio.file.Files.readString(Path.of("..", "deploy", "grafana-perch.json")));
        java.util.Set<String> names = new java.util.TreeSet<>();
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile("\\b((perch|jvm|backend_redis)_[a-z0-9_]+)\\{");
        for (JsonNode expr : grafana.findValues("expr")) {
            java.util.regex.Matcher m = metric.matcher(expr.asText());
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        assertThat(names).contains("perch_connections_count", "backend_redis_latency_seconds_bucket");
        // The broker's and the JVM's are served here; the Redis backend's and perch-auth's come with those plugins.
        for (String name : names) {
            if (!name.startsWith("backend_redis_") && !name.startsWith("perch_auth_")) {
                assertThat(body).as(name).containsPattern("(?m)^" + name + "[{ ]");
            }
        }
    }

    @Test
    void unknownPathsAnswer404WithANotFoundCode() throws Exception {
        for (String path : List.of("/api/v4/nothing", "/api/v4/clients/a/b/c", "/no/such/page")) {
            HttpResponse<String> r = send("GET", path, null, BASIC);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            JsonNode body = mapper.readTree(r.body());
            assertThat(body.get("code").asInt()).as(path).isEqualTo(404);
            assertThat(body.get("message").asText()).as(path).contains("not found");
        }
    }

    @Test
    void createdAtIsTheSessionsAndSurvivesAResume() throws Exception {
        MqttClient c = new MqttClient(fixture.tcpUri(), "keeper", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        c.connect(o);
        dash.track(c);
        JsonNode first = ok("GET", "/api/v4/clients/keeper", null).at("/data/0");
        String createdAt = first.get("created_at").asText();
        long seen = System.currentTimeMillis();
        assertThat(createdAt).isEqualTo(first.get("connected_at").asText());
        c.disconnect();
        await().until(() -> !ok("GET", "/api/v4/clients/keeper", null).at("/data/0/connected").asBoolean());
        // The API shows whole seconds: reconnect in a later second so the two times can differ.
        await().atMost(java.time.Duration.ofSeconds(3)).until(() -> System.currentTimeMillis() / 1000 > seen / 1000);
        c.connect(o);
        JsonNode resumed = ok("GET", "/api/v4/clients/keeper", null).at("/data/0");
        assertThat(resumed.get("connected").asBoolean()).isTrue();
        assertThat(resumed.get("connected_at").asText()).isNotEqualTo(createdAt);
        assertThat(resumed.get("created_at").asText()).isEqualTo(createdAt);
    }

    @Test
    void statsKeepTheHighestValueSeenAsMax() throws Exception {
        MqttClient a = connect("one", null);
        MqttClient b = connect("two", null);
        a.subscribe("x/1", 1);
        b.subscribe("x/2", 1);
        JsonNode peak = ok("GET", "/api/v4/stats", null).at("/data/0/stats");
        assertThat(peak.get("connections.count").asInt()).isEqualTo(2);
        assertThat(peak.get("connections.max").asInt()).isEqualTo(2);
        assertThat(peak.get("subscriptions.max").asInt()).isEqualTo(2);
        for (String f : List.of("sessions.max", "topics.max", "routes.max", "retained.max", "subscriptions.shared.max")) {
            assertThat(peak.has(f)).as(f).isTrue();
        }
        b.disconnect();
        await().until(() -> ok("GET", "/api/v4/stats", null).at("/data/0/stats/connections.count").asInt() == 1);
        JsonNode after = ok("GET", "/api/v4/stats", null).at("/data/0/stats");
        assertThat(after.get("connections.max").asInt()).isEqualTo(2);
        assertThat(after.get("subscriptions.count").asInt()).isEqualTo(1);
        assertThat(after.get("subscriptions.max").asInt()).isEqualTo(2);
    }

    @Test
    void publishesSubscribesAndManagesRetained() throws Exception {
        MqttClient sub = connect("listener", null);
        List<String> got = new CopyOnWriteArrayList<>();
        sub.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            public void connectionLost(Throwable cause) { }
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                got.add(topic + "=" + new String(m.getPayload(), StandardCharsets.UTF_8));
            }
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) { }
        });
        ok("POST", "/api/v4/mqtt/subscribe", "{\"topic\":\"cmd/#\",\"clientid\":\"listener\",\"qos\":1}");
        ok("POST", "/api/v4/mqtt/publish", "{\"topic\":\"cmd/a\",\"payload\":\"hello\",\"qos\":1}");
        ok("POST", "/api/v4/mqtt/publish", "{\"topic\":\"cmd/b\",\"payload\":\"" + Base64.getEncoder().encodeToString("bin".getBytes(StandardCharsets.UTF_8))
                + "\",\"encoding\":\"base64\",\"retain\":true}");
        await().until(() -> got.size() == 2);
        assertThat(got).containsExactlyInAnyOrder("cmd/a=hello", "cmd/b=bin");

        JsonNode batch = ok("POST", "/api/v4/mqtt/publish_batch", "[{\"topic\":\"x/1\",\"payload\":\"p\"},{\"topic\":\"x/#\",\"payload\":\"p\"}]");
        assertThat(batch.at("/data/0/code").asInt()).isZero();
        assertThat(batch.at("/data/1/code").asInt()).isEqualTo(115);

        HttpResponse<String> noClient = send("POST", "/api/v4/mqtt/subscribe", "{\"topic\":\"t\",\"clientid\":\"ghost\"}", BASIC);
        assertThat(noClient.statusCode()).isEqualTo(404);
        assertThat(send("POST", "/api/v4/mqtt/publish", "not json", BASIC).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/api/v4/mqtt/publish", "{\"payload\":\"x\"}", BASIC).statusCode()).isEqualTo(400);

        await().until(() -> fixture.broker().service().retained().get("cmd/b").isPresent());
        // The broker also retains $SYS topics (listed with _include_sys=true), so look for ours rather than count them.
        JsonNode retained = ok("GET", "/api/v4/mqtt/retained?_include_sys=true", null);
        assertThat(retained.at("/meta/count").asInt()).isEqualTo(fixture.broker().service().retained().size());
        JsonNode ours = null;
        for (JsonNode m : retained.get("data")) {
            if (m.get("topic").asText().equals("cmd/b")) {
                ours = m;
            }
        }
        assertThat(ours).isNotNull();
        assertThat(ours.get("payload").asText()).isEqualTo("bin");
        assertThat(ok("GET", "/api/v4/mqtt/retained/cmd%2Fb", null).at("/data/qos").asInt()).isZero();
        ok("DELETE", "/api/v4/mqtt/retained/cmd%2Fb", null);
        assertThat(send("GET", "/api/v4/mqtt/retained/cmd%2Fb", null, BASIC).statusCode()).isEqualTo(404);

        ok("POST", "/api/v4/mqtt/unsubscribe", "{\"topic\":\"cmd/#\",\"clientid\":\"listener\"}");
        assertThat(ok("GET", "/api/v4/subscriptions/listener", null).get("data")).isEmpty();
    }

    @Test
    void servesStatsListenersPrometheusAndUi() throws Exception {
        connect("one", null);
        assertThat(ok("GET", "/api/v4/stats", null).at("/data/0/stats/connections.count").asInt()).isEqualTo(1);
        assertThat(ok("GET", "/api/v4/metrics", null).at("/data/0/metrics").has("messages.received")).isTrue();
        JsonNode listeners = ok("GET", "/api/v4/listeners", null).at("/data/0/listeners");
        assertThat(listeners.findValuesAsText("protocol")).contains("mqtt:tcp", "mqtt:ws");
        assertThat(ok("GET", "/api/v4/brokers", null).at("/data/0/node").asText()).isEqualTo("test@127.0.0.1");

        HttpResponse<String> prom = send("GET", "/metrics", null, null);
        assertThat(prom.statusCode()).isEqualTo(200);
        assertThat(prom.body()).contains("perch_connections_count 1.0", "jvm_memory_used_bytes", "perch_messages_received_total");
        assertThat(send("GET", "/api/v4/prometheus", null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v4/prometheus", null, BASIC).body()).contains("perch_connections_count");

        registry.counter("backend.redis.commands", "function", "on_message_publish", "result", "ok").increment(3);
        JsonNode backends = ok("GET", "/api/v4/backends", null);
        assertThat(backends.at("/data/0/backend").asText()).isEqualTo("redis");
        assertThat(backends.at("/data/0/meters/0/tags/function").asText()).isEqualTo("on_message_publish");
        assertThat(backends.at("/data/0/meters/0/values/count").asDouble()).isEqualTo(3.0);

        assertThat(mapper.readTree(send("GET", "/api/v4/openapi.json", null, null).body()).get("openapi").asText()).startsWith("3.");
        HttpResponse<String> index = send("GET", "/", null, null);
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(index.body()).contains("vendor/mqtt.min.js").doesNotContain("http://", "https://");
        HttpResponse<String> mqttJs = send("GET", "/vendor/mqtt.min.js", null, null);
        assertThat(mqttJs.statusCode()).isEqualTo(200);
        assertThat(mqttJs.body()).startsWith("/*! NOTICE: mqtt.min.js is MQTT.js 5.16.0");
        assertThat(send("GET", "/js/app.js", null, null).headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(send("GET", "/../pom.xml", null, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/js/..%2F..%2FMETA-INF/MANIFEST.MF", null, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/api/v4/nothing", null, BASIC).statusCode()).isEqualTo(404);
    }

    @Test
    void rejectsUnknownKeysAndBadPorts() {
        DashboardPlugin p = new DashboardPlugin();
        assertThatThrownBy(() -> p.configure(List.of(entry("dashboard.listner.http", "1"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test.conf:1").hasMessageContaining("unknown");
        assertThatThrownBy(() -> p.configure(List.of(entry("dashboard.listener.http", "99999"))))
                .isInstanceOf(ConfigException.class);
        p.configure(List.of());
        assertThat(p.enabled()).isTrue();
        assertThat(p.config().port()).isEqualTo(18083);
        assertThat(p.config().defaultPassword()).isTrue();
        assertThat(java.util.ServiceLoader.load(io.perch.broker.plugin.PerchPlugin.class).stream()
                .anyMatch(s -> s.type() == DashboardPlugin.class)).isTrue();
    }

    @Test
    void theShippedPluginFileDocumentsEveryKeyAndParsesToTheDefaults() throws Exception {
        Path conf = Path.of("..", "etc", "plugins", "perch_dashboard.conf");
        List<String> lines = java.nio.file.Files.readAllLines(conf);
        List<ConfigEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (!l.isBlank() && !l.startsWith("#")) {
                int eq = l.indexOf('=');
                entries.add(new ConfigEntry(l.substring(0, eq).trim(), l.substring(eq + 1).trim(), "perch_dashboard.conf", i + 1));
            }
        }
        String text = String.join("\n", lines);
        for (String key : DashboardConfig.KEYS) {
            assertThat(text).as(key).containsPattern("(?m)^(# )?" + java.util.regex.Pattern.quote(key) + " = ");
        }
        DashboardConfig shipped = DashboardConfig.parse(entries);
        DashboardConfig defaults = DashboardConfig.defaults();
        assertThat(shipped.toString()).isEqualTo(defaults.toString());
        assertThat(shipped.defaultPassword()).isTrue();
        assertThat(shipped.passwordWhere()).isEqualTo("perch_dashboard.conf:" + (lines.indexOf("dashboard.default_user.password = public") + 1));
        assertThat(shipped.toString()).doesNotContain("public", "$7$");
    }
}
