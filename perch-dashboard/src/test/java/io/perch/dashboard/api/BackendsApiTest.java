package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perch.broker.plugin.PluginContext;
import io.perch.dashboard.DashboardFixture;
import io.perch.redis.plugin.RedisBackendPlugin;
import io.perch.redis.testkit.ConfFile;
import io.perch.redis.testkit.TestRedis;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** GET /api/v4/backends against the Redis backend on a real redis-server: pools, rules, INFO, and an outage. */
class BackendsApiTest {
    private static final String PASSWORD = "backends-secret";
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private DashboardFixture dash;
    private TestRedis redis;
    private RedisBackendPlugin backend;

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.stop();
        }
        if (redis != null) {
            redis.close();
        }
        if (dash != null) {
            dash.close();
        }
    }

    private JsonNode redisBackend() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dash.plugin.port()
                + "/api/v4/backends")).header("Authorization", BASIC).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (JsonNode b : mapper.readTree(r.body()).path("data")) {
            if (b.path("backend").asText().equals("redis")) {
                return b;
            }
        }
        throw new AssertionError("no redis backend in " + r.body());
    }

    /** The dashboard, a real redis-server, and the Redis backend on it with these rule lines. */
    private void startBackend(String... rules) throws Exception {
        dash = DashboardFixture.start(tmp, PASSWORD);
        redis = TestRedis.start();
        backend = new RedisBackendPlugin();
        List<String> lines = new ArrayList<>(List.of("backend.redis.pool1.server = " + redis.server(),
                "backend.redis.embedded = off"));
        lines.addAll(List.of(rules));
        backend.configure(ConfFile.lines(lines.toArray(String[]::new)));
        backend.start(new PluginContext(dash.broker.broker().service(), dash.registry, tmp, tmp));
    }

    @Test
    void poolsRulesAndInfoFollowRedisGoingAndComing() throws Exception {
        startBackend("backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool1\"}");

        await().atMost(Duration.ofSeconds(30)).until(() -> redisBackend().at("/pools/0/server/redis_version").isTextual());
        JsonNode up = redisBackend();
        JsonNode pool = up.at("/pools/0");
        assertThat(pool.path("name").asText()).isEqualTo("pool1");
        assertThat(pool.path("state").asText()).isEqualTo("up");
        assertThat(pool.path("mode").asText()).isEqualTo("single");
        assertThat(pool.path("servers").get(0).asText()).isEqualTo(redis.server());
        assertThat(pool.path("since").asLong()).isPositive();
        assertThat(pool.path("backlog").asLong()).isZero();
        assertThat(pool.at("/server/role").asText()).isEqualTo("master");
        assertThat(pool.at("/server/aof_enabled").asText()).isIn("0", "1");
        assertThat(pool.at("/server/used_memory").asLong()).isPositive();
        assertThat(pool.path("server_at").asLong()).isPositive();
        assertThat(pool.path("server").has("requirepass")).isFalse();
        // persistence.mode defaults to redis on the only pool: the broker's durable-session figures come along.
        assertThat(up.path("session_pool").asText()).isEqualTo("pool1");
        assertThat(up.at("/sessions/stored").isIntegralNumber()).isTrue();
        assertThat(up.at("/sessions/queued").isIntegralNumber()).isTrue();
        JsonNode rule = up.at("/rules/0");
        assertThat(rule.path("hook").asText()).isEqualTo("client.connected");
        assertThat(rule.path("function").asText()).isEqualTo("on_client_connected");
        assertThat(rule.path("pool").asText()).isEqualTo("pool1");

        MqttClient c = dash.track(new MqttClient(dash.broker.tcpUri(), "backends-client", new MemoryPersistence()));
        c.connect(new MqttConnectOptions());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(redisBackend().at("/rules/0/success").asLong())
                .as(redisBackend().toString()).isGreaterThanOrEqualTo(1));
        assertThat(redisBackend().at("/pools/0/latency_mean_ms").asDouble()).isPositive();
        long upSince = redisBackend().at("/pools/0/since").asLong();

        // While Redis is away the page still answers: down, since when, why; the last INFO stays.
        redis.kill();
        await().atMost(Duration.ofSeconds(30)).until(() -> redisBackend().at("/pools/0/state").asText().equals("down"));
        JsonNode down = redisBackend().at("/pools/0");
        assertThat(down.path("since").asLong()).isGreaterThanOrEqualTo(upSince);
        assertThat(down.path("last_error").asText()).isNotEmpty();
        assertThat(down.at("/server/redis_version").isTextual()).isTrue();
        c.disconnect(); // the client.disconnected write has no rule; this one waits in no backlog

        redis.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> redisBackend().at("/pools/0/state").asText().equals("up"));
        assertThat(redisBackend().at("/pools/0/since").asLong()).isGreaterThanOrEqualTo(down.path("since").asLong());
    }
    /**
     * Two rules that run the same function (an EMQ X config may have several on_message_publish
     * rules for different topics) each show their own counts and rate, not the function's.
     */
    @Test
    void twoRulesRunningOneFunctionCountTheirOwnOperations() throws Exception {
        startBackend("backend.redis.hook.message.publish.1 = {\"topic\": \"a/#\", \"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.publish.2 = {\"topic\": \"b/#\", \"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> redisBackend().at("/pools/0/state").asText().equals("up"));

        MqttClient c = dash.track(new MqttClient(dash.broker.tcpUri(), "rules-publisher", new MemoryPersistence()));
        c.connect(new MqttConnectOptions());
        for (int i = 0; i < 3; i++) {
            c.publish("a/x", new byte[]{1}, 1, false);
        }
        c.publish("b/y", new byte[]{2}, 1, false);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode rules = redisBackend().path("rules");
            assertThat(rules.get(0).path("id").asText()).isEqualTo("message.publish.1");
            assertThat(rules.get(1).path("id").asText()).isEqualTo("message.publish.2");
            assertThat(rules.get(0).path("function").asText()).isEqualTo(rules.get(1).path("function").asText());
            assertThat(rules.get(0).path("success").asLong()).as(rules.toString()).isEqualTo(3);
            assertThat(rules.get(1).path("success").asLong()).as(rules.toString()).isEqualTo(1);
        });
    }
}
