package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.auth.AuthPlugin;
import io.perch.auth.file.MosquittoHash;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.IMqttMessageListener;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Users and ACL endpoints over real HTTP, against an in-process broker with the real auth
 * plugin on a password file and an EMQ X acl.conf in a temp dir (allow_anonymous off,
 * acl_nomatch deny): a user added through the API connects with a real Paho client once the
 * broker reloaded the file, a changed password replaces the old one, a deleted user is
 * refused; the ACL check agrees with what real clients' publishes and subscribes get.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthUsersApiTest {
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString("admin:secret".getBytes(StandardCharsets.UTF_8));
    static final String ACL = """
            {allow, {user, "alice"}, publish, ["devices/alice/#"]}.
            {deny, all, publish, ["devices/#"]}.
            {allow, all, subscribe, ["devices/#"]}.
            {deny, all, subscribe, [{eq, "#"}]}.
            """;

    @TempDir
    Path home;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final AuthPlugin auth = new AuthPlugin();
    private final DashboardPlugin dashboard = new DashboardPlugin();
    private final List<MqttClient> clients = new ArrayList<>();
    private BrokerFixture broker;

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/passwd"), "alice:" + MosquittoHash.hash7("alice-pw".getBytes(StandardCharsets.UTF_8), 10) + "\n");
        Files.writeString(home.resolve("etc/acl.conf"), ACL);
        auth.configure(List.of(new ConfigEntry("auth.file.password_file", "etc/passwd", "test.conf", 1),
                new ConfigEntry("auth.file.reload_interval", "100ms", "test.conf", 2),
                new ConfigEntry("acl_file", "etc/acl.conf", "test.conf", 3)));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        broker = BrokerFixture.start(b -> b.allowAnonymous(false).aclNoMatchAllow(false), b -> {
            try {
                auth.start(new PluginContext(b.service(), metrics, home, home));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        dashboard.configure(List.of(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 4),
                new ConfigEntry("dashboard.default_user.password", "secret", "test.conf", 5)));
        dashboard.start(new PluginContext(broker.broker().service(), metrics, home, home));
    }

    @AfterEach
    void stop() throws Exception {
        for (MqttClient c : clients) {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000);
            }
            c.close(true);
        }
        dashboard.stop();
        broker.close();
        auth.stop();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dashboard.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", BASIC);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String method, String path, String body) throws Exception {
        HttpResponse<String> r = send(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return mapper.readTree(r.body());
    }

    private void fails(String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = send(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + " " + body + ": " + r.body()).isEqualTo(status);
        assertThat(mapper.readTree(r.body()).path("message").asText()).isNotEmpty();
    }

    /** A real MQTT 3.1.1 client's CONNECT with these credentials: connected, or the refusal. */
    private MqttClient connect(String id, String user, String password) throws MqttException {
        MqttClient c = new MqttClient(broker.tcpUri(), id, new MemoryPersistence());
        clients.add(c);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName(user);
        o.setPassword(password.toCharArray());
        o.setConnectionTimeout(5);
        c.connect(o);
        return c;
    }

    private boolean canConnect(String user, String password) {
        try {
            connect("c-" + user + "-" + System.nanoTime(), user, password).disconnect();
            return true;
        } catch (MqttException e) {
            return false;
        }
    }

    @Test
    void aUserAddedChangedAndDeletedThroughTheApiIsWhatRealClientsMeet() throws Exception {
        assertThat(canConnect("bob", "bob-1")).as("bob does not exist yet").isFalse();
        ok("POST", "/api/v4/auth/users", "{\"username\":\"bob\",\"password\":\"bob-1\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> canConnect("bob", "bob-1"));

        JsonNode users = ok("GET", "/api/v4/auth/users", null);
        assertThat(users.at("/meta/count").asInt()).isEqualTo(2);
        assertThat(users.at("/data/1/username").asText()).isEqualTo("bob");
        assertThat(users.at("/data/1/hash").asText()).isEqualTo("PBKDF2-SHA512");
        assertThat(users.toString()).doesNotContain("$7$").doesNotContain("bob-1");
        // The same format bin/perch passwd writes: username:$7$iterations$salt$hash.
        assertThat(Files.readString(home.resolve("etc/passwd"))).containsPattern("(?m)^bob:\\$7\\$1000\\$[^$]+\\$[^$]+$");

        ok("PUT", "/api/v4/auth/users/bob", "{\"password\":\"bob-2\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> canConnect("bob", "bob-2"));
        assertThat(canConnect("bob", "bob-1")).as("the old password").isFalse();

        ok("DELETE", "/api/v4/auth/users/bob", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !canConnect("bob", "bob-2"));
        assertThat(canConnect("alice", "alice-pw")).as("the other user stays").isTrue();
        assertThat(ok("GET", "/api/v4/auth/users", null).at("/meta/count").asInt()).isEqualTo(1);
    }

    @Test
    void badRequestsGetTheirCodesAndListsPage() throws Exception {
        fails("POST", "/api/v4/auth/users", "{\"username\":\"alice\",\"password\":\"x\"}", 409);
        fails("POST", "/api/v4/auth/users", "{\"username\":\"a:b\",\"password\":\"x\"}", 400);
        fails("POST", "/api/v4/auth/users", "{\"username\":\"\",\"password\":\"x\"}", 400);
        fails("POST", "/api/v4/auth/users", "{\"username\":\"carol\",\"password\":\"\"}", 400);
        fails("POST", "/api/v4/auth/users", "{\"username\":\"carol\"}", 400);
        fails("PUT", "/api/v4/auth/users/nobody", "{\"password\":\"x\"}", 404);
        fails("PUT", "/api/v4/auth/users/alice", "{\"password\":\"\"}", 400);
        fails("DELETE", "/api/v4/auth/users/nobody", null, 404);
        assertThat(send("GET", "/api/v4/auth/users", null).statusCode()).isEqualTo(200);
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + dashboard.port() + "/api/v4/auth/users")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).as("without credentials").isEqualTo(401);

        for (String u : List.of("dev-1", "dev-2", "dev-3")) {
            ok("POST", "/api/v4/auth/users", "{\"username\":\"" + u + "\",\"password\":\"pw\"}");
        }
        JsonNode page = ok("GET", "/api/v4/auth/users?_like_username=dev&_limit=2&_page=2", null);
        assertThat(page.at("/meta/count").asInt()).isEqualTo(3);
        assertThat(page.get("data")).hasSize(1);
        assertThat(page.at("/data/0/username").asText()).isEqualTo("dev-3");
    }

    @Test
    void sourcesShowTheChainAndItsFilesWithoutSecrets() throws Exception {
        JsonNode d = ok("GET", "/api/v4/auth/sources", null).get("data");
        assertThat(d.get("allow_anonymous").asBoolean()).isFalse();
        assertThat(d.get("acl_nomatch").asText()).isEqualTo("deny");
        assertThat(d.get("acl_deny_action").asText()).isEqualTo("ignore");
        assertThat(d.at("/cache/enable_acl_cache").asBoolean()).isTrue();
        assertThat(d.at("/sources/0/kind").asText()).isEqualTo("file");
        assertThat(d.at("/sources/0/configured").asBoolean()).isTrue();
        assertThat(d.at("/sources/0/password_file/path").asText()).endsWith("passwd");
        assertThat(d.at("/sources/0/password_file/users").asInt()).isEqualTo(1);
        assertThat(d.at("/sources/0/password_file/loaded_at").asLong()).isPositive();
        assertThat(d.at("/sources/0/password_file/last_error").isNull()).isTrue();
        assertThat(d.at("/sources/0/acl_file/format").asText()).isEqualTo("emqx");
        assertThat(d.at("/sources/0/acl_file/rules").asInt()).isEqualTo(4);
        assertThat(d.at("/sources/1/kind").asText()).isEqualTo("redis");
        assertThat(d.at("/sources/1/configured").asBoolean()).isFalse();
        assertThat(d.at("/sources/2/kind").asText()).isEqualTo("jwt");

        // A broken file keeps the last good version in force and shows why.
        Files.writeString(home.resolve("etc/passwd"), "broken line without colon\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> !ok("GET", "/api/v4/auth/sources", null)
                .at("/data/sources/0/password_file/last_error").isNull());
        assertThat(canConnect("alice", "alice-pw")).isTrue();

        JsonNode rules = ok("GET", "/api/v4/acl/rules", null).get("data");
        assertThat(rules).hasSize(4);
        assertThat(rules.at("/0/permission").asText()).isEqualTo("allow");
        assertThat(rules.at("/0/who").asText()).isEqualTo("{user, \"alice\"}");
        assertThat(rules.at("/0/action").asText()).isEqualTo("publish");
        assertThat(rules.at("/0/text").asText()).isEqualTo("{allow, {user, \"alice\"}, publish, [\"devices/alice/#\"]}.");
        assertThat(rules.at("/3/text").asText()).isEqualTo("{deny, all, subscribe, [{eq, \"#\"}]}.");
    }

    private JsonNode check(String user, String action, String topic) throws Exception {
        return ok("POST", "/api/v4/acl/check", "{\"clientid\":\"probe\",\"username\":\"" + user
                + "\",\"ipaddress\":\"127.0.0.1\",\"topic\":\"" + topic + "\",\"action\":\"" + action + "\"}").get("data");
    }

    @Test
    void theAclCheckAgreesWithWhatRealClientsGet() throws Exception {
        JsonNode own = check("alice", "publish", "devices/alice/temp");
        assertThat(own.get("result").asText()).isEqualTo("allow");
        assertThat(own.get("decided_by").asText()).isEqualTo("file");
        assertThat(own.get("rule").asText()).isEqualTo("{allow, {user, \"alice\"}, publish, [\"devices/alice/#\"]}.");
        JsonNode spoof = check("alice", "publish", "devices/bob/temp");
        assertThat(spoof.get("result").asText()).isEqualTo("deny");
        assertThat(spoof.get("rule").asText()).isEqualTo("{deny, all, publish, [\"devices/#\"]}.");
        JsonNode all = check("alice", "subscribe", "#");
        assertThat(all.get("result").asText()).isEqualTo("deny");
        assertThat(all.get("rule").asText()).isEqualTo("{deny, all, subscribe, [{eq, \"#\"}]}.");
        JsonNode other = check("alice", "publish", "elsewhere/x");
        assertThat(other.get("result").asText()).isEqualTo("deny");
        assertThat(other.get("decided_by").asText()).isEqualTo("nomatch");
        assertThat(other.get("rule").isNull()).isTrue();
        assertThat(check("alice", "subscribe", "devices/+/temp").get("result").asText()).isEqualTo("allow");

        // What a real client gets for the same requests.
        MqttClient alice = connect("alice-1", "alice", "alice-pw");
        assertThat(alice.subscribeWithResponse("#", 1).getGrantedQos()[0]).as("subscribe #").isEqualTo(0x80);
        List<String> got = new CopyOnWriteArrayList<>();
        IMqttMessageListener keep = (t, m) -> got.add(t);
        assertThat(alice.subscribeWithResponse("devices/+/temp", 1, keep).getGrantedQos()[0]).isEqualTo(1);
        alice.publish("devices/bob/temp", "spoofed".getBytes(StandardCharsets.UTF_8), 1, false);
        alice.publish("elsewhere/x", "nomatch".getBytes(StandardCharsets.UTF_8), 1, false);
        alice.publish("devices/alice/temp", "mine".getBytes(StandardCharsets.UTF_8), 1, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("devices/alice/temp"));
        assertThat(got).as("the denied publish reached no one").containsExactly("devices/alice/temp");

        fails("POST", "/api/v4/acl/check", "{\"topic\":\"t\",\"action\":\"read\"}", 400);
        fails("POST", "/api/v4/acl/check", "{\"action\":\"publish\"}", 400);
    }

    @Test
    void withoutAPasswordFileTheUserEndpointsSaySo() throws Exception {
        try (DashboardFixture plain = DashboardFixture.start(home.resolve("plain"), "secret")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.plugin.port()
                    + "/api/v4/auth/users")).header("Authorization", BASIC).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"username\":\"x\",\"password\":\"y\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.body()).contains("no password file is configured");
            HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.plugin.port()
                    + "/api/v4/auth/sources")).header("Authorization", BASIC).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(mapper.readTree(s.body()).at("/data/enabled").asBoolean()).isFalse();
        }
    }
}
