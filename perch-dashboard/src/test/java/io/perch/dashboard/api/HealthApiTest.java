package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perch.broker.plugin.PluginContext;
import io.perch.dashboard.DashboardFixture;
import io.perch.dashboard.ctl.CtlCommand;
import io.perch.redis.plugin.RedisBackendPlugin;
import io.perch.redis.testkit.ConfFile;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** /status, liveness and readiness over real HTTP, readiness following a real redis-server; the log level API. */
class HealthApiTest {
    private static final String PASSWORD = "health-secret";
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private DashboardFixture dash;
    private TestRedis redis;
    private RedisBackendPlugin backend;

    @BeforeEach
    void start() throws Exception {
        dash = DashboardFixture.start(tmp, PASSWORD);
    }

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.stop();
        }
        if (redis != null) {
            redis.close();
        }
        dash.close();
        ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory())
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.INFO);
    }

    private HttpResponse<String> get(String path, String auth) throws Exception {
        return send("GET", path, null, auth);
    }

    private HttpResponse<String> send(String method, String path, String body, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dash.plugin.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Result(int exit, String out, String err) {
    }

    private Result ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new CtlCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        List<String> all = new java.util.ArrayList<>(List.of("--url", "http://127.0.0.1:" + dash.plugin.port(),
                "--user", "admin", "--password", PASSWORD));
        all.addAll(List.of(args));
        return new Result(cmd.execute(all.toArray(new String[0])), out.toString(), err.toString());
    }

    @Test
    void healthAnswersWithoutCredentialsInEmqxShape() throws Exception {
        String node = dash.broker.broker().service().nodeName();

        HttpResponse<String> status = get("/status", null);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(status.body()).isEqualTo("Node " + node + " is started\nperch is running\n");

        HttpResponse<String> live = get("/api/v4/health/liveness", null);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(mapper.readTree(live.body()).path("status").asText()).isEqualTo("UP");

        HttpResponse<String> ready = get("/api/v4/health/readiness", null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        JsonNode checks = mapper.readTree(ready.body()).path("checks");
        assertThat(checks).hasSize(1);
        assertThat(checks.get(0).path("name").asText()).isEqualTo("listeners");
        assertThat(checks.get(0).path("status").asText()).isEqualTo("UP");
        assertThat(checks.get(0).path("detail").asText()).contains("127.0.0.1:" + dash.broker.tcpPort());
    }

    @Test
    void readinessIsDownWhileListenersAreClosed() throws Exception {
        dash.broker.broker().stop();

        assertThat(get("/api/v4/health/readiness", null).statusCode()).isEqualTo(503);
        assertThat(get("/status", null).statusCode()).isEqualTo(503);
        assertThat(get("/status", null).body()).endsWith("perch is not_running\n");
        assertThat(get("/api/v4/health/liveness", null).statusCode()).isEqualTo(200);
    }

    @Test
    void readinessFollowsRedisGoingAndComing() throws Exception {
        redis = TestRedis.start();
        backend = new RedisBackendPlugin();
        backend.configure(ConfFile.lines("backend.redis.pool1.server = " + redis.server(), "backend.redis.embedded = off"));
        backend.start(new PluginContext(dash.broker.broker().service(), dash.registry, tmp, tmp));

        await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/v4/health/readiness", null).statusCode() == 200);
        JsonNode up = mapper.readTree(get("/api/v4/health/readiness", null).body());
        assertThat(up.path("status").asText()).isEqualTo("UP");
        assertThat(up.path("checks").findValuesAsText("name")).containsExactly("listeners", "redis:pool1");

        redis.kill();
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/v4/health/readiness", null).statusCode() == 503);
        JsonNode down = mapper.readTree(get("/api/v4/health/readiness", null).body());
        assertThat(down.path("status").asText()).isEqualTo("DOWN");
        assertThat(down.path("checks").get(1).path("status").asText()).isEqualTo("DOWN");
        assertThat(down.path("checks").get(1).path("detail").asText()).contains(redis.server());
        assertThat(get("/status", null).statusCode()).isEqualTo(503);
        Result status = ctl("status");
        assertThat(status.exit()).as("running but not ready: " + status.err()).isEqualTo(3);
        assertThat(status.out()).contains("Not ready", "redis:pool1 is DOWN", redis.server());

        redis.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/v4/health/readiness", null).statusCode() == 200);
        assertThat(get("/status", null).body()).endsWith("perch is running\n");
        assertThat(ctl("status").out()).doesNotContain("DOWN");
        assertThat(ctl("status").exit()).isZero();
    }

    @Test
    void logLevelChangesAtRunTimeWithCredentials() throws Exception {
        assertThat(send("PUT", "/api/v4/log/level", "{\"level\":\"debug\"}", null).statusCode()).isEqualTo(401);
        assertThat(LoggerFactory.getLogger("io.perch.any").isDebugEnabled()).isFalse();

        HttpResponse<String> set = send("PUT", "/api/v4/log/level", "{\"level\":\"debug\"}", BASIC);
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(mapper.readTree(set.body()).at("/data/level").asText()).isEqualTo("debug");
        assertThat(LoggerFactory.getLogger("io.perch.any").isDebugEnabled()).isTrue();
        assertThat(send("PUT", "/api/v4/log/level", "{\"level\":\"loud\"}", BASIC).statusCode()).isEqualTo(400);

        Result r = ctl("log", "set-level", "warning");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("log level of ROOT is now warn\n");
        assertThat(ctl("log", "level").out()).isEqualTo("warn\n");
        assertThat(LoggerFactory.getLogger("io.perch.any").isInfoEnabled()).isFalse();
        assertThat(ctl("log", "set-level", "loud").exit()).isEqualTo(1);
    }

    /** The log viewer's API: this node's recent lines, newest first, narrowed by level and text. */
    @Test
    void recentLogLinesAreServedNewestFirstByLevelAndText() throws Exception {
        String marker = "recent-log-" + System.nanoTime();
        org.slf4j.Logger l = LoggerFactory.getLogger("io.perch.test.RecentLog");
        l.warn("{} first", marker);
        l.info("{} routine", marker);
        l.warn("{} second", marker, new IllegalStateException("why"));
        assertThat(send("GET", "/api/v4/log/recent", null, null).statusCode()).isEqualTo(401);

        HttpResponse<String> warn = send("GET", "/api/v4/log/recent?level=warn&q=" + marker, null, BASIC);
        assertThat(warn.statusCode()).as(warn.body()).isEqualTo(200);
        JsonNode data = mapper.readTree(warn.body()).path("data");
        assertThat(data).hasSize(2);
        assertThat(data.get(0).path("message").asText()).isEqualTo(marker + " second");
        assertThat(data.get(0).path("level").asText()).isEqualTo("warn");
        assertThat(data.get(0).path("logger").asText()).isEqualTo("io.perch.test.RecentLog");
        assertThat(data.get(0).path("error").asText()).isEqualTo("java.lang.IllegalStateException: why");
        assertThat(data.get(1).path("message").asText()).isEqualTo(marker + " first");
        JsonNode meta = mapper.readTree(warn.body()).path("meta");
        assertThat(meta.path("kept").asInt()).isEqualTo(2000);
        assertThat(meta.path("logged").asLong()).isGreaterThanOrEqualTo(2);

        JsonNode one = mapper.readTree(send("GET", "/api/v4/log/recent?level=all&_limit=1&q=" + marker.toUpperCase(java.util.Locale.ROOT),
                null, BASIC).body()).path("data");
        assertThat(one).hasSize(1);
        assertThat(one.get(0).path("message").asText()).isEqualTo(marker + " second");
        assertThat(send("GET", "/api/v4/log/recent?level=loud", null, BASIC).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/api/v4/log/recent?_limit=0", null, BASIC).statusCode()).isEqualTo(400);
    }

    @Test
    void helpOnEveryCtlSubcommandExitsZero() {
        for (String[] args : List.of(new String[]{"--help"}, new String[]{"log", "--help"},
                new String[]{"log", "set-level", "--help"}, new String[]{"clients", "list", "--help"},
                new String[]{"status", "-h"}, new String[]{"admins", "--help"})) {
            Result r = ctl(args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).startsWith("Usage:");
        }
    }
}
