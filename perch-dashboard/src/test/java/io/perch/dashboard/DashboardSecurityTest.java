package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.TestCertificates;
import io.perch.dashboard.http.AdminPassword;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Issue 12's dashboard part over real HTTP(S): password change and its stored hash, login
 * throttling, token expiry, 401 challenges, HTTPS, and config errors that name the line.
 */
class DashboardSecurityTest {
    private static final String OLD = "old-secret";
    private static final String NEW = "brand-new-secret";

    @TempDir
    Path tmp;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private DashboardFixture dash;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeLater) {
            c.close();
        }
        if (dash != null) {
            dash.close();
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static ConfigEntry line(String key, String value, int line) {
        return new ConfigEntry(key, value, "test.conf", line);
    }

    private HttpResponse<String> send(String method, String path, String body, String auth) throws Exception {
        return send(http, "http://127.0.0.1:" + dash.plugin.port(), method, path, body, auth);
    }

    private static HttpResponse<String> send(HttpClient client, String base, String method, String path, String body,
                                             String auth, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token(String password) throws Exception {
        HttpResponse<String> r = send("POST", "/api/v4/auth", "{\"username\":\"admin\",\"password\":\"" + password + "\"}", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return mapper.readTree(r.body()).at("/data/token").asText();
    }

    private HttpResponse<String> changePwd(String auth, String oldPwd, String newPwd) throws Exception {
        return send("PUT", "/api/v4/change_pwd/admin", "{\"old_pwd\":\"" + oldPwd + "\",\"new_pwd\":\"" + newPwd + "\"}", auth);
    }

    private JsonNode status(String auth) throws Exception {
        HttpResponse<String> r = send("GET", "/api/v4/status", null, auth);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return mapper.readTree(r.body()).get("data");
    }

    @Test
    void changingThePasswordRefusesTheOldOneAndRevokesTokens() throws Exception {
        dash = DashboardFixture.start(tmp, OLD);
        String token = token(OLD);
        assertThat(status("Bearer " + token).get("password_source").asText()).isEqualTo("test.conf:2");

        HttpResponse<String> changed = changePwd("Bearer " + token, OLD, NEW);
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(mapper.readTree(changed.body()).get("code").asInt()).isZero();
        assertThat(changed.body()).doesNotContain(NEW, OLD);

        assertThat(send("GET", "/api/v4/status", null, "Bearer " + token).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v4/status", null, basic("admin", OLD)).statusCode()).isEqualTo(401);
        JsonNode s = status(basic("admin", NEW));
        assertThat(s.get("default_password").asBoolean()).isFalse();
        Path stored = tmp.resolve(AdminPassword.FILE);
        assertThat(s.get("password_source").asText()).isEqualTo(stored.toString());
        assertThat(status("Bearer " + token(NEW)).get("node").asText()).isNotEmpty();

        String content = Files.readString(stored);
        assertThat(content).matches("admin:\\$7\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+\n").doesNotContain(NEW);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored))).isEqualTo("rw-------");
        try (var files = Files.list(stored.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("admin.passwd");
        }
    }

    @Test
    void theStoredHashWinsOverTheConfigAtRestart() throws Exception {
        dash = DashboardFixture.start(tmp, OLD);
        assertThat(changePwd(basic("admin", OLD), OLD, NEW).statusCode()).isEqualTo(200);
        dash.restartDashboard();
        assertThat(send("GET", "/api/v4/status", null, basic("admin", OLD)).statusCode()).isEqualTo(401);
        assertThat(status(basic("admin", NEW)).get("password_source").asText()).isEqualTo(tmp.resolve(AdminPassword.FILE).toString());
    }

    @Test
    void badChangeRequestsAreRefusedWith400() throws Exception {
        dash = DashboardFixture.start(tmp, OLD);
        String auth = basic("admin", OLD);
        HttpResponse<String> wrongOld = changePwd(auth, "not-the-password", NEW);
        assertThat(wrongOld.statusCode()).isEqualTo(400);
        assertThat(mapper.readTree(wrongOld.body()).get("message").asText()).isEqualTo("the old password is wrong");
        HttpResponse<String> tooShort = changePwd(auth, OLD, "short");
        assertThat(tooShort.statusCode()).isEqualTo(400);
        assertThat(tooShort.body()).contains("at least 8 characters").doesNotContain("short\"");
        assertThat(changePwd(auth, OLD, "public").body()).contains("must not be the default");
        assertThat(changePwd(auth, OLD, "public").statusCode()).isEqualTo(400);
        HttpResponse<String> otherUser = send("PUT", "/api/v4/change_pwd/root", "{\"old_pwd\":\"" + OLD + "\",\"new_pwd\":\"" + NEW + "\"}", auth);
        assertThat(otherUser.statusCode()).isEqualTo(400);
        assertThat(send("PUT", "/api/v4/change_pwd/admin", "{\"old_pwd\":\"" + OLD + "\"}", auth).statusCode()).isEqualTo(400);
        assertThat(changePwd(null, OLD, NEW).statusCode()).isEqualTo(401);
        // None of it changed anything.
        assertThat(Files.exists(tmp.resolve(AdminPassword.FILE))).isFalse();
        assertThat(send("GET", "/api/v4/status", null, auth).statusCode()).isEqualTo(200);
    }

    @Test
    void theDefaultPasswordIsReportedWithItsConfigLine() throws Exception {
        dash = DashboardFixture.start(tmp, "public");
        JsonNode s = status(basic("admin", "public"));
        assertThat(s.get("default_password").asBoolean()).isTrue();
        assertThat(s.get("password_source").asText()).isEqualTo("test.conf:2");
        assertThat(changePwd(basic("admin", "public"), "public", NEW).statusCode()).isEqualTo(200);
        assertThat(status(basic("admin", NEW)).get("default_password").asBoolean()).isFalse();
    }

    @Test
    void fiveFailedLoginsGet429UntilTheBackOffEnds() throws Exception {
        dash = DashboardFixture.start(tmp, OLD);
        for (int i = 0; i < 3; i++) {
            assertThat(send("GET", "/api/v4/status", null, basic("admin", "guess" + i)).statusCode()).isEqualTo(401);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(send("POST", "/api/v4/auth", "{\"username\":\"admin\",\"password\":\"guess\"}", null).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> blocked = send("GET", "/api/v4/status", null, basic("admin", OLD));
        assertThat(blocked.statusCode()).isEqualTo(429);
        assertThat(blocked.headers().firstValue("Retry-After")).hasValue("60");
        HttpResponse<String> blockedLogin = send("POST", "/api/v4/auth", "{\"username\":\"admin\",\"password\":\"" + OLD + "\"}", null);
        assertThat(blockedLogin.statusCode()).isEqualTo(429);
        assertThat(blockedLogin.headers().firstValue("Retry-After")).isPresent();
        assertThat(dash.registry.counter("perch.dashboard.login.failures").count()).isEqualTo(5);
        assertThat(dash.registry.counter("perch.dashboard.login.throttled").count()).isEqualTo(2);

        dash.clock.advance(Duration.ofSeconds(30));
        assertThat(send("GET", "/api/v4/status", null, basic("admin", OLD)).headers().firstValue("Retry-After")).hasValue("30");
        dash.clock.advance(Duration.ofSeconds(30));
        assertThat(send("GET", "/api/v4/status", null, basic("admin", OLD)).statusCode()).isEqualTo(200);
    }

    @Test
    void tokensExpireAfterTheConfiguredTtl() throws Exception {
        dash = DashboardFixture.start(tmp, OLD, List.of(line("dashboard.token_ttl", "30m", 3)));
        String token = token(OLD);
        dash.clock.advance(Duration.ofMinutes(29));
        assertThat(send("GET", "/api/v4/status", null, "Bearer " + token).statusCode()).isEqualTo(200);
        dash.clock.advance(Duration.ofMinutes(1));
        HttpResponse<String> expired = send("GET", "/api/v4/status", null, "Bearer " + token);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.body()).contains("expired");
        assertThat(dash.plugin.config().tokenTtl()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void every401CarriesAChallenge() throws Exception {
        dash = DashboardFixture.start(tmp, OLD, List.of(line("dashboard.metrics_auth", "on", 3)));
        String base = "http://127.0.0.1:" + dash.plugin.port();
        List<HttpResponse<String>> refused = List.of(
                send("GET", "/api/v4/clients", null, null),
                send("GET", "/api/v4/clients", null, basic("admin", "wrong")),
                send("GET", "/api/v4/clients", null, "Bearer made-up"),
                send("POST", "/api/v4/auth", "{\"username\":\"admin\",\"password\":\"wrong\"}", null),
                send("GET", "/api/v4/prometheus", null, null),
                send("GET", "/metrics", null, null));
        for (HttpResponse<String> r : refused) {
            assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).as(r.uri().toString()).hasValue("Basic realm=\"Perch\"");
        }
        // The dashboard's own scripts get a challenge the browser does not answer with its dialog.
        HttpResponse<String> script = send(http, base, "GET", "/api/v4/clients", null, null, "X-Requested-With", "XMLHttpRequest");
        assertThat(script.statusCode()).isEqualTo(401);
        assertThat(script.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"Perch\"");
    }

    private Path[] selfSigned() throws Exception {
        assumeThat(TestCertificates.opensslOnPath()).as("openssl on PATH").isTrue();
        Path cert = tmp.resolve("dash.pem");
        Path key = tmp.resolve("dash.key");
        TestCertificates.selfSigned(cert, key, "localhost");
        return new Path[]{cert, key};
    }

    private static HttpClient trusting(Path pem) throws Exception {
        return HttpClient.newBuilder().sslContext(TestCertificates.trusting(pem)).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Test
    void servesTheSameRoutesOverHttpsWithHttpOff() throws Exception {
        Path[] pem = selfSigned();
        dash = DashboardFixture.start(tmp, OLD, List.of(
                line("dashboard.listener.http", "off", 3),
                line("dashboard.listener.https", "127.0.0.1:0", 4),
                line("dashboard.listener.https.certfile", pem[0].toString(), 5),
                line("dashboard.listener.https.keyfile", pem[1].toString(), 6)));
        assertThat(dash.plugin.port()).isEqualTo(-1);
        int port = dash.plugin.httpsPort();
        assertThat(port).isPositive();
        HttpClient tls = trusting(pem[0]);
        String base = "https://127.0.0.1:" + port;
        HttpResponse<String> st = send(tls, base, "GET", "/api/v4/status", null, basic("admin", OLD));
        assertThat(st.statusCode()).as(st.body()).isEqualTo(200);
        assertThat(mapper.readTree(st.body()).at("/data/status").asText()).isEqualTo("running");
        assertThat(send(tls, base, "GET", "/", null, null).body()).contains("<html");
        HttpResponse<String> denied = send(tls, base, "GET", "/api/v4/status", null, null);
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"Perch\"");
        // A client that does not trust the certificate is refused by TLS itself.
        assertThatThrownBy(() -> send(http, base, "GET", "/api/v4/status", null, null))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void httpsConfigErrorsNameTheLine() throws Exception {
        DashboardPlugin p = new DashboardPlugin();
        assertThatThrownBy(() -> p.configure(List.of(line("dashboard.listener.https", "18084", 7))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("test.conf:7:").hasMessageContaining("certfile");
        assertThatThrownBy(() -> p.configure(List.of(line("dashboard.listener.http", "off", 4))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("test.conf:4:").hasMessageContaining("no listener");
        assertThatThrownBy(() -> p.configure(List.of(line("dashboard.token_ttl", "soon", 9))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("test.conf:9:");
        assertThatThrownBy(() -> p.configure(List.of(line("dashboard.default_user.password", " ", 3))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("test.conf:3:");
        assertThatThrownBy(() -> p.configure(List.of(line("dashboard.default_user.pasword", "hunter2-secret", 5))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("test.conf:5:")
                .hasMessageContaining("unknown").hasMessageNotContaining("hunter2");

        Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate\n");
        Path missing = tmp.resolve("missing.key");
        try (BrokerFixture broker = BrokerFixture.start()) {
            PluginContext ctx = new PluginContext(broker.broker().service(), dash == null
                    ? new io.micrometer.core.instrument.simple.SimpleMeterRegistry() : dash.registry, tmp, tmp);
            DashboardPlugin noKey = new DashboardPlugin();
            noKey.configure(List.of(line("dashboard.listener.https", "127.0.0.1:0", 1),
                    line("dashboard.listener.https.certfile", junk.toString(), 2),
                    line("dashboard.listener.https.keyfile", missing.toString(), 3)));
            assertThatThrownBy(() -> noKey.start(ctx)).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("test.conf:3:").hasMessageContaining("no such file");
            noKey.stop();
            Files.writeString(missing, "not a key\n");
            DashboardPlugin badCert = new DashboardPlugin();
            badCert.configure(List.of(line("dashboard.listener.https", "127.0.0.1:0", 1),
                    line("dashboard.listener.https.certfile", junk.toString(), 2),
                    line("dashboard.listener.https.keyfile", missing.toString(), 3)));
            assertThatThrownBy(() -> badCert.start(ctx)).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("test.conf:2:");
            badCert.stop();
        }
    }

    @Test
    void aBrokenStoredPasswordFileIsAConfigErrorNamingItsLine() throws Exception {
        Path stored = tmp.resolve(AdminPassword.FILE);
        Files.createDirectories(stored.getParent());
        Files.writeString(stored, "# comment\nadmin:plain-text-password\n");
        assertThatThrownBy(() -> DashboardFixture.start(tmp, OLD)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(stored + ":2:").hasMessageNotContaining("plain-text-password");
    }
}
