package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.dashboard.DashboardPlugin;
import io.perch.redis.plugin.RedisBackendPlugin;
import io.perch.redis.testkit.ConfFile;
import io.perch.redis.testkit.TestRedis;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GET /api/v4/alarms and DELETE /api/v4/alarms/deactivated against real conditions: a real
 * redis-server stopped and restarted, real MQTT clients overflowing a one-message session queue
 * and filling a node's connection limit, this JVM's heap held above a low watermark. The
 * alarms are checked every 100 ms.
 */
@Timeout(120)
class AlarmsApiTest {
    private static final String PASSWORD = "alarms-secret";
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<MqttClient> clients = new ArrayList<>();
    private BrokerFixture broker;
    private DashboardPlugin plugin;
    private TestRedis redis;
    private RedisBackendPlugin backend;

    private void start(Consumer<io.perch.broker.config.BrokerConfig.Builder> tune, ConfigEntry... extra) throws Exception {
        broker = BrokerFixture.start(tune);
        plugin = new DashboardPlugin();
        List<ConfigEntry> conf = new ArrayList<>(List.of(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 1),
                new ConfigEntry("dashboard.default_user.password", PASSWORD, "test.conf", 2),
                new ConfigEntry("dashboard.alarms.check_interval", "100ms", "test.conf", 3)));
        conf.addAll(List.of(extra));
        plugin.configure(conf);
        plugin.start(new PluginContext(broker.broker().service(), registry, tmp, tmp));
    }

    @AfterEach
    void stop() throws Exception {
        for (MqttClient c : clients) {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000);
            }
            c.close(true);
        }
        if (backend != null) {
            backend.stop();
        }
        if (redis != null) {
            redis.close();
        }
        if (plugin != null) {
            plugin.stop();
        }
        if (broker != null) {
            broker.close();
        }
        registry.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plugin.port() + "/api/v4" + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", BASIC).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode alarms(String query) throws Exception {
        HttpResponse<String> r = send("GET", "/alarms" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return mapper.readTree(r.body());
    }

    private List<String> names(String query) throws Exception {
        List<String> out = new ArrayList<>();
        alarms(query).path("data").forEach(a -> out.add(a.path("name").asText()));
        return out;
    }

    private MqttClient client(String id, boolean clean) throws Exception {
        MqttClient c = new MqttClient(broker.tcpUri(), id, new MemoryPersistence());
        clients.add(c);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        c.connect(o);
        return c;
    }

    @Test
    void aPoolDownRaisesAnAlarmThatClearsIntoTheHistory() throws Exception {
        start(b -> { });
        // $SYS/brokers/<node>/alarms/activate and /deactivate, as EMQ X 4 publishes them.
        List<String> sys = new CopyOnWriteArrayList<>();
        MqttClient watcher = client("alarm-watcher", true);
        watcher.subscribe("$SYS/brokers/+/alarms/#", 0, (topic, m) -> sys.add(topic + " " + new String(m.getPayload(), StandardCharsets.UTF_8)));
        redis = TestRedis.start();
        backend = new RedisBackendPlugin();
        backend.configure(ConfFile.lines("backend.redis.pool1.server = " + redis.server(), "backend.redis.embedded = off"));
        backend.start(new PluginContext(broker.broker().service(), registry, tmp, tmp));
        await().atMost(WAIT).until(() -> registry.find("backend.redis.latency").timer() != null
                && broker.broker().service().backends().snapshots().get("redis").pools().get(0).up());
        assertThat(names("?activated=true")).doesNotContain("redis_pool_down/pool1");

        redis.kill();
        await().atMost(WAIT).until(() -> names("?activated=true").contains("redis_pool_down/pool1"));
        JsonNode raised = alarms("?activated=true").path("data").get(0);
        assertThat(raised.path("activated").asBoolean()).isTrue();
        assertThat(raised.path("activated_at").asLong()).isPositive();
        assertThat(raised.path("deactivated_at").isNull()).isTrue();
        assertThat(raised.path("node").asText()).isEqualTo(broker.broker().service().nodeName());
        assertThat(raised.path("message").asText()).contains("pool1", redis.server());
        assertThat(raised.at("/details/pool").asText()).isEqualTo("pool1");
        assertThat(raised.at("/details/servers/0").asText()).isEqualTo(redis.server());
        assertThat(names("?activated=false")).isEmpty();

        redis.restart();
        await().atMost(WAIT).until(() -> names("?activated=false").contains("redis_pool_down/pool1"));
        assertThat(names("?activated=true")).doesNotContain("redis_pool_down/pool1");
        JsonNode cleared = alarms("?activated=false").path("data").get(0);
        assertThat(cleared.path("activated").asBoolean()).isFalse();
        assertThat(cleared.path("deactivated_at").asLong()).isGreaterThanOrEqualTo(cleared.path("activated_at").asLong());
        assertThat(cleared.path("activated_at").asLong()).isEqualTo(raised.path("activated_at").asLong());
        // Without a filter: active ones and the history, with EMQ X's paging meta.
        JsonNode all = alarms("?_page=1&_limit=10");
        assertThat(all.at("/meta/page").asInt()).isEqualTo(1);
        assertThat(all.at("/meta/limit").asInt()).isEqualTo(10);
        assertThat(all.at("/meta/count").asInt()).isEqualTo(all.path("data").size()).isGreaterThanOrEqualTo(1);

        await().atMost(WAIT).untilAsserted(() -> assertThat(sys).anySatisfy(s -> assertThat(s)
                .startsWith("$SYS/brokers/" + broker.broker().service().nodeName() + "/alarms/activate ")
                .contains("\"name\":\"redis_pool_down/pool1\"", "\"activate_at\"")).anySatisfy(s -> assertThat(s)
                .contains("/alarms/deactivate ", "\"name\":\"redis_pool_down/pool1\"", "\"deactivate_at\"")));

        // Clearing the history forgets the cleared alarms only.
        HttpResponse<String> del = send("DELETE", "/alarms/deactivated");
        assertThat(del.statusCode()).as(del.body()).isEqualTo(200);
        assertThat(names("?activated=false")).isEmpty();
    }

    @Test
    void droppedMessagesRaiseAnAlarmWithTheCountWhileTheyAreDropped() throws Exception {
        start(b -> b.maxMqueueLen(1));
        MqttClient sub = client("alarm-offline-sub", false);
        sub.subscribe("alarm/drop", 1);
        sub.disconnect();
        MqttClient pub = client("alarm-pub", true);
        for (int i = 0; i < 5; i++) {
            pub.publish("alarm/drop", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        await().atMost(WAIT).until(() -> names("").contains("messages_dropped"));
        JsonNode a = alarms("").path("data").get(0);
        assertThat(a.path("name").asText()).isEqualTo("messages_dropped");
        assertThat(a.at("/details/queue_full").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(a.at("/details/dropped").asLong()).isGreaterThanOrEqualTo(a.at("/details/queue_full").asLong());
        // Nothing more is dropped: the next check clears it.
        await().atMost(WAIT).until(() -> names("?activated=false").contains("messages_dropped"));
        // Four of the five found the queue full; a pause between checks may have split them over two alarms.
        long dropped = 0;
        for (JsonNode cleared : alarms("?activated=false").path("data")) {
            dropped += cleared.at("/details/queue_full").asLong();
        }
        assertThat(dropped).isEqualTo(4);
    }

    @Test
    void connectionsNearTheNodeLimitRaiseAnAlarm() throws Exception {
        start(b -> b.maxConnections(2));
        client("alarm-c1", true);
        MqttClient c2 = client("alarm-c2", true);
        await().atMost(WAIT).until(() -> names("?activated=true").contains("connections_near_limit/node"));
        JsonNode a = alarms("?activated=true").path("data").get(0);
        assertThat(a.at("/details/connections").asInt()).isEqualTo(2);
        assertThat(a.at("/details/max_connections").asInt()).isEqualTo(2);
        c2.disconnect();
        await().atMost(WAIT).until(() -> names("?activated=false").contains("connections_near_limit/node"));
    }

    /**
     * The real heap of this JVM: an array of 4 % of the maximum heap is held and System.gc()
     * (a full collection with the collectors the JDK picks by default, so the old generation's
     * after-GC figure is fresh) leaves it in the old generation, above a 2 % watermark.
     */
    @Test
    void aHeapAboveTheHighWatermarkAfterGcRaisesAnAlarm() throws Exception {
        start(b -> { }, new ConfigEntry("dashboard.alarms.heap_high_watermark", "2%", "test.conf", 4),
                new ConfigEntry("dashboard.alarms.heap_low_watermark", "1%", "test.conf", 5));
        long max = Runtime.getRuntime().maxMemory();
        byte[] held = new byte[(int) Math.min(max / 25, Integer.MAX_VALUE - 8)];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            System.gc();
            return names("?activated=true").contains("jvm_heap_high/node");
        });
        JsonNode a = alarms("?activated=true").path("data").get(0);
        assertThat(a.path("name").asText()).isEqualTo("jvm_heap_high/node");
        assertThat(a.path("node").asText()).isEqualTo(broker.broker().service().nodeName());
        assertThat(a.at("/details/used_bytes").asLong()).isGreaterThanOrEqualTo(held.length);
        assertThat(a.at("/details/percent").asDouble()).isGreaterThan(2.0);
        assertThat(a.at("/details/high_watermark").asDouble()).isEqualTo(2.0);
        assertThat(a.at("/details/low_watermark").asDouble()).isEqualTo(1.0);
        assertThat(a.path("message").asText()).contains("JVM heap", "above 2.0 %");
        held[held.length - 1] = 1; // held until here: the collector must not free it while the test waits
    }

    @Test
    void badParametersAndNoCredentialsAreRefused() throws Exception {
        start(b -> { });
        HttpResponse<String> bad = send("GET", "/alarms?activated=yes");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(mapper.readTree(bad.body()).path("message").asText()).contains("activated");
        assertThat(send("GET", "/alarms?_page=x").statusCode()).isEqualTo(400);
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plugin.port()
                + "/api/v4/alarms")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> anonymousDelete = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plugin.port()
                + "/api/v4/alarms/deactivated")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymousDelete.statusCode()).isEqualTo(401);
    }
}
