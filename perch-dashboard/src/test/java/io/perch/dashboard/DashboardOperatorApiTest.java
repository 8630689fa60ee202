package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.dashboard.api.MetricsHistory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator runs the broker from: the metrics history behind the charts, server-side
 * client filters and sorting, {@code $SYS} in the retained listing, and node information; over
 * real HTTP against an in-process broker with real Paho clients.
 */
class DashboardOperatorApiTest {
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString("admin:secret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<org.eclipse.paho.mqttv5.client.MqttClient> v5Clients = new ArrayList<>();
    private DashboardFixture dash;

    @BeforeEach
    void start() throws Exception {
        // The timer's own samples would fall between the test's: an hour apart, none comes during a test.
        dash = DashboardFixture.start(tmp, "secret", List.of(new ConfigEntry("dashboard.history_interval", "1h", "test.conf", 3)));
    }

    @AfterEach
    void stop() throws Exception {
        for (var c : v5Clients) {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000, false);
            }
            c.close(true);
        }
        dash.close();
    }

    private HttpResponse<String> send(String path, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dash.plugin.port() + path)).GET();
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send(path, BASIC);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode n = mapper.readTree(r.body());
        assertThat(n.get("code").asInt()).isZero();
        return n;
    }

    private MqttClient connectV3(String clientId, String username, int version, boolean clean) throws Exception {
        MqttClient c = dash.track(new MqttClient(dash.broker.tcpUri(), clientId, new MemoryPersistence()));
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setMqttVersion(version);
        if (username != null) {
            o.setUserName(username);
            o.setPassword("pw".toCharArray());
        }
        c.connect(o);
        return c;
    }

    private void connectV5(String clientId, String username) throws Exception {
        var c = new org.eclipse.paho.mqttv5.client.MqttClient(dash.broker.tcpUri(), clientId,
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        v5Clients.add(c);
        var o = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        o.setCleanStart(true);
        if (username != null) {
            o.setUserName(username);
            o.setPassword("pw".getBytes(StandardCharsets.UTF_8));
        }
        c.connect(o);
    }

    @Test
    void historyKeepsSamplesInOrderWithRatesAndFiltersBySince() throws Exception {
        assertThat(send("/api/v4/metrics/history", null).statusCode()).isEqualTo(401);
        JsonNode empty = get("/api/v4/metrics/history");
        assertThat(empty.at("/data/interval_ms").asLong()).isEqualTo(Duration.ofHours(1).toMillis());
        assertThat(empty.at("/data/capacity").asInt()).isEqualTo(MetricsHistory.CAPACITY);
        assertThat(empty.at("/data/samples")).isEmpty();

        // What the Redis backend registers, in the dashboard's registry.
        Timer latency = Timer.builder("backend.redis.latency").tag("pool", "default").register(dash.registry);
        AtomicLong backlog = new AtomicLong(7);
        Gauge.builder("backend.redis.backlog", backlog, AtomicLong::get).tag("pool", "default").register(dash.registry);

        MqttClient sub = connectV3("history-sub", null, MqttConnectOptions.MQTT_VERSION_3_1_1, true);
        AtomicInteger got = new AtomicInteger();
        sub.subscribe("history/#", 1, (t, m) -> got.incrementAndGet());
        MqttClient pub = connectV3("history-pub", null, MqttConnectOptions.MQTT_VERSION_3_1_1, true);

        dash.plugin.sampleHistory();
        long first = dash.clock.millis();
        for (int i = 0; i < 10; i++) {
            pub.publish("history/a", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(got).hasValue(10));
        latency.record(10, TimeUnit.MILLISECONDS);
        latency.record(30, TimeUnit.MILLISECONDS);
        dash.clock.advance(Duration.ofSeconds(5));
        dash.plugin.sampleHistory();
        long second = dash.clock.millis();
        backlog.set(3);
        dash.clock.advance(Duration.ofSeconds(5));
        dash.plugin.sampleHistory();

        JsonNode data = get("/api/v4/metrics/history").get("data");
        JsonNode samples = data.get("samples");
        assertThat(samples).hasSize(3);
        assertThat(samples.get(0).get("ts").asLong()).isEqualTo(first);
        assertThat(samples.get(1).get("ts").asLong()).isEqualTo(second);
        assertThat(samples.get(2).get("ts").asLong()).isEqualTo(second + 5000);
        JsonNode s0 = samples.get(0);
        assertThat(s0.get("connections").asInt()).isEqualTo(2);
        assertThat(s0.get("sessions").asInt()).isEqualTo(2);
        assertThat(s0.get("subscriptions").asInt()).isEqualTo(1);
        // No rate and no latency before there is a previous sample to compare with.
        assertThat(s0.has("received_rate")).isFalse();
        assertThat(s0.has("redis_latency_ms")).isFalse();
        assertThat(s0.get("redis_backlog").asLong()).isEqualTo(7);

        JsonNode s1 = samples.get(1);
        assertThat(s1.get("received_rate").asDouble()).isEqualTo(10 / 5.0);
        assertThat(s1.get("sent_rate").asDouble()).isEqualTo(10 / 5.0);
        assertThat(s1.get("dropped_rate").asDouble()).isZero();
        assertThat(s1.get("redis_latency_ms").asDouble()).isCloseTo(20.0, org.assertj.core.data.Offset.offset(0.01));
        JsonNode s2 = samples.get(2);
        assertThat(s2.get("received_rate").asDouble()).isZero();
        assertThat(s2.has("redis_latency_ms")).as("no Redis command in the interval").isFalse();
        assertThat(s2.get("redis_backlog").asLong()).isEqualTo(3);

        JsonNode after = get("/api/v4/metrics/history?since=" + first).at("/data/samples");
        assertThat(after).hasSize(2);
        assertThat(after.get(0).get("ts").asLong()).isEqualTo(second);
        assertThat(get("/api/v4/metrics/history?since=" + (second + 5000)).at("/data/samples")).isEmpty();
        assertThat(send("/api/v4/metrics/history?since=yesterday", BASIC).statusCode()).isEqualTo(400);
    }

    @Test
    void historyKeepsTheLastHourOnly() throws Exception {
        for (int i = 0; i < io.perch.dashboard.api.MetricsHistory.CAPACITY + 5; i++) {
            dash.clock.advance(Duration.ofSeconds(5));
            dash.plugin.sampleHistory();
        }
        JsonNode samples = get("/api/v4/metrics/history").at("/data/samples");
        assertThat(samples).hasSize(io.perch.dashboard.api.MetricsHistory.CAPACITY);
        assertThat(samples.get(samples.size() - 1).get("ts").asLong()).isEqualTo(dash.clock.millis());
        assertThat(samples.get(0).get("ts").asLong())
                .isEqualTo(dash.clock.millis() - 5000L * (io.perch.dashboard.api.MetricsHistory.CAPACITY - 1));
        // Without the Redis backend its fields are absent, not zero.
        assertThat(samples.get(0).has("redis_backlog")).isFalse();
        assertThat(samples.get(0).has("redis_latency_ms")).isFalse();
    }

    /** Waits until the broker's clock has moved past this client's connection, so connection times differ. */
    private void pastConnectionOf(String clientId) {
        long at = dash.broker.broker().service().client(clientId).orElseThrow().connectedAt();
        await().until(() -> System.currentTimeMillis() > at);
    }

    private List<String> ids(String query) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode c : get("/api/v4/clients" + query).get("data")) {
            out.add(c.get("clientid").asText());
        }
        return out;
    }

    @Test
    void clientsFilterSortAndPageOnTheServer() throws Exception {
        // Connected in this order, which is not the client id order.
        MqttClient zed = connectV3("zed", "zoe", MqttConnectOptions.MQTT_VERSION_3_1_1, false);
        pastConnectionOf("zed");
        connectV5("carol", "carol");
        pastConnectionOf("carol");
        connectV3("alice", "alice", MqttConnectOptions.MQTT_VERSION_3_1, true);
        pastConnectionOf("alice");
        connectV3("bob", null, MqttConnectOptions.MQTT_VERSION_3_1_1, true);
        zed.disconnect();
        await().until(() -> !dash.broker.broker().service().client("zed").orElseThrow().connected());

        JsonNode all = get("/api/v4/clients");
        assertThat(all.at("/meta/count").asInt()).isEqualTo(4);
        assertThat(ids("")).containsExactly("alice", "bob", "carol", "zed");

        assertThat(ids("?conn_state=connected")).containsExactly("alice", "bob", "carol");
        assertThat(ids("?conn_state=disconnected")).containsExactly("zed");
        assertThat(ids("?proto_ver=3")).containsExactly("alice");
        assertThat(ids("?proto_ver=4")).containsExactly("bob", "zed");
        assertThat(ids("?proto_ver=5")).containsExactly("carol");
        assertThat(get("/api/v4/clients?proto_ver=5").at("/data/0/proto_ver").asInt()).isEqualTo(5);
        assertThat(ids("?conn_state=connected&_like_ip_address=127.0.")).containsExactly("alice", "bob", "carol");
        assertThat(ids("?_like_ip_address=10.99.")).isEmpty();
        assertThat(ids("?proto_ver=4&conn_state=connected")).containsExactly("bob");

        assertThat(ids("?_sort=connected_at")).containsExactly("zed", "carol", "alice", "bob");
        assertThat(ids("?_sort=connected_at&_order=desc")).containsExactly("bob", "alice", "carol", "zed");
        assertThat(ids("?_sort=created_at&_order=desc")).containsExactly("bob", "alice", "carol", "zed");
        // No username sorts first.
        assertThat(ids("?_sort=username")).containsExactly("bob", "alice", "carol", "zed");
        assertThat(ids("?_sort=clientid&_order=desc")).containsExactly("zed", "carol", "bob", "alice");

        // Filters and sorting come before the page; meta.count counts what matched.
        JsonNode page = get("/api/v4/clients?_sort=connected_at&_limit=2&_page=2");
        assertThat(page.at("/meta/count").asInt()).isEqualTo(4);
        assertThat(page.at("/meta/page").asInt()).isEqualTo(2);
        assertThat(page.at("/meta/limit").asInt()).isEqualTo(2);
        assertThat(ids("?_sort=connected_at&_limit=2&_page=2")).containsExactly("alice", "bob");
        JsonNode connected = get("/api/v4/clients?conn_state=connected&_order=desc&_limit=2&_page=2");
        assertThat(connected.at("/meta/count").asInt()).isEqualTo(3);
        assertThat(connected.get("data")).hasSize(1);
        assertThat(connected.at("/data/0/clientid").asText()).isEqualTo("alice");
        assertThat(get("/api/v4/clients?proto_ver=5&_page=2").get("data")).isEmpty();

        for (String bad : List.of("_sort=port", "_order=up", "proto_ver=6", "conn_state=idle")) {
            HttpResponse<String> r = send("/api/v4/clients?" + bad, BASIC);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(mapper.readTree(r.body()).get("code").asInt()).as(bad).isEqualTo(108);
        }
    }

    @Test
    void retainedListingLeavesOutSysUnlessAsked() throws Exception {
        var svc = dash.broker.broker().service();
        for (String topic : List.of("$SYS/brokers/test@127.0.0.1/version", "$SYS/brokers/test@127.0.0.1/sysdescr",
                "!first", "plain/a", "plain/b")) {
            svc.publish(svc.newMessage(topic, "v".getBytes(StandardCharsets.UTF_8), 0, true, "test"))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        await().until(() -> svc.retained().get("plain/b").isPresent());
        int sys = 0;
        for (var m : svc.retained().list(0, 10000)) {
            sys += m.topic().startsWith("$SYS/") ? 1 : 0;
        }
        assertThat(sys).isGreaterThanOrEqualTo(2);

        JsonNode plain = get("/api/v4/mqtt/retained");
        assertThat(plain.at("/meta/count").asInt()).isEqualTo(3);
        List<String> topics = new ArrayList<>();
        plain.get("data").forEach(m -> topics.add(m.get("topic").asText()));
        assertThat(topics).containsExactly("!first", "plain/a", "plain/b");
        // '!' sorts before '$': the pages on either side of the $SYS block still line up.
        for (int p = 1; p <= 3; p++) {
            JsonNode one = get("/api/v4/mqtt/retained?_limit=1&_page=" + p);
            assertThat(one.at("/meta/count").asInt()).isEqualTo(3);
            assertThat(one.get("data")).hasSize(1);
            assertThat(one.at("/data/0/topic").asText()).isEqualTo(topics.get(p - 1));
        }
        assertThat(get("/api/v4/mqtt/retained?_limit=2&_page=2").get("data")).hasSize(1);
        assertThat(get("/api/v4/mqtt/retained?_limit=1&_page=4").get("data")).isEmpty();

        JsonNode withSys = get("/api/v4/mqtt/retained?_include_sys=true");
        assertThat(withSys.at("/meta/count").asInt()).isEqualTo(svc.retained().size());
        List<String> all = new ArrayList<>();
        withSys.get("data").forEach(m -> all.add(m.get("topic").asText()));
        assertThat(all).contains("$SYS/brokers/test@127.0.0.1/version", "!first", "plain/a").hasSize(3 + sys);
    }

    @Test
    void nodesTellVersionUptimeMemoryCpuThreadsAndListeners() throws Exception {
        connectV3("node-client", null, MqttConnectOptions.MQTT_VERSION_3_1_1, true);
        JsonNode nodes = get("/api/v4/nodes").get("data");
        assertThat(nodes).hasSize(1);
        JsonNode n = nodes.get(0);
        assertThat(n.get("node").asText()).isEqualTo("test@127.0.0.1");
        assertThat(n.get("version").asText()).isNotBlank();
        assertThat(n.get("uptime").asText()).endsWith("seconds");
        assertThat(n.get("uptime_seconds").asLong()).isBetween(0L, 3600L);
        long used = n.get("memory_used").asLong();
        assertThat(used).isPositive();
        assertThat(n.get("memory_max").asLong()).isGreaterThanOrEqualTo(used);
        if (n.has("process_cpu")) {
            assertThat(n.get("process_cpu").asDouble()).isBetween(0.0, 1.0);
        }
        // BrokerFixture runs 4 event loops.
        assertThat(n.get("io_threads").asInt()).isEqualTo(4);
        JsonNode listeners = n.get("listeners");
        assertThat(listeners).hasSize(2);
        JsonNode tcp = listeners.get(0);
        assertThat(tcp.get("type").asText()).isEqualTo("tcp");
        assertThat(tcp.get("address").asText()).isEqualTo("127.0.0.1");
        assertThat(tcp.get("port").asInt()).isEqualTo(dash.broker.tcpPort());
        assertThat(tcp.get("connections").asInt()).isEqualTo(1);
        JsonNode ws = listeners.get(1);
        assertThat(ws.get("type").asText()).isEqualTo("ws");
        assertThat(ws.get("port").asInt()).isEqualTo(dash.broker.wsPort());
        assertThat(ws.get("path").asText()).isEqualTo("/mqtt");
        assertThat(ws.get("connections").asInt()).isZero();
        // EMQ X's fields are still there.
        for (String f : List.of("name", "node_status", "connections", "load1", "memory_total", "otp_release")) {
            assertThat(n.has(f)).as(f).isTrue();
        }
    }

    @Test
    void historyIntervalIsADurationAboveZero() {
        assertThat(DashboardConfig.defaults().historyInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(DashboardConfig.parse(List.of(new ConfigEntry("dashboard.history_interval", "10s", "t.conf", 1)))
                .historyInterval()).isEqualTo(Duration.ofSeconds(10));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DashboardConfig.parse(
                        List.of(new ConfigEntry("dashboard.history_interval", "0s", "t.conf", 7))))
                .isInstanceOf(io.perch.broker.plugin.ConfigException.class).hasMessageContaining("t.conf:7");
    }

    @Test
    void alarmCheckIntervalIsADurationAboveZero() {
        assertThat(DashboardConfig.defaults().alarmInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(DashboardConfig.parse(List.of(new ConfigEntry("dashboard.alarms.check_interval", "250ms", "t.conf", 1)))
                .alarmInterval()).isEqualTo(Duration.ofMillis(250));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DashboardConfig.parse(
                        List.of(new ConfigEntry("dashboard.alarms.check_interval", "0s", "t.conf", 4))))
                .isInstanceOf(io.perch.broker.plugin.ConfigException.class).hasMessageContaining("t.conf:4");
    }

    @Test
    void heapWatermarksArePercentagesWithTheLowOneBelowTheHighOne() {
        assertThat(DashboardConfig.defaults().heapHighWatermark()).isEqualTo(0.9);
        assertThat(DashboardConfig.defaults().heapLowWatermark()).isEqualTo(0.8);
        DashboardConfig set = DashboardConfig.parse(List.of(
                new ConfigEntry("dashboard.alarms.heap_high_watermark", "75%", "t.conf", 1),
                new ConfigEntry("dashboard.alarms.heap_low_watermark", "62.5%", "t.conf", 2)));
        assertThat(set.heapHighWatermark()).isEqualTo(0.75);
        assertThat(set.heapLowWatermark()).isEqualTo(0.625);
        for (String bad : new String[]{"90", "0.9", "101%", "-5%", "ninety%", "0%"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> DashboardConfig.parse(
                            List.of(new ConfigEntry("dashboard.alarms.heap_high_watermark", bad, "t.conf", 5))))
                    .as(bad).isInstanceOf(io.perch.broker.plugin.ConfigException.class)
                    .hasMessageStartingWith("t.conf:5: dashboard.alarms.heap_high_watermark = " + bad + ": ")
                    .hasMessageContaining("e.g. 90%");
        }
        // Low at or above high could never clear: named on the low line, with the fix.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DashboardConfig.parse(List.of(
                        new ConfigEntry("dashboard.alarms.heap_high_watermark", "70%", "t.conf", 3),
                        new ConfigEntry("dashboard.alarms.heap_low_watermark", "70%", "t.conf", 4))))
                .isInstanceOf(io.perch.broker.plugin.ConfigException.class)
                .hasMessageStartingWith("t.conf:4: dashboard.alarms.heap_low_watermark = 70%: ")
                .hasMessageContaining("must be below dashboard.alarms.heap_high_watermark (70.0%)");
        // Only the high one set, below the default low one: named on the high line.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DashboardConfig.parse(List.of(
                        new ConfigEntry("dashboard.alarms.heap_high_watermark", "50%", "t.conf", 9))))
                .hasMessageStartingWith("t.conf:9: dashboard.alarms.heap_high_watermark = 50%: ")
                .hasMessageContaining("heap_low_watermark (80.0%)");
    }
}
