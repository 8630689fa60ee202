package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.perch.broker.plugin.ConfigEntry;
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
}
