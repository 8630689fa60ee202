package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.config.ListenerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.TestCertificates;
import io.perch.dashboard.DashboardPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** GET /api/v4/listeners on a broker with TCP, TLS (verifying client certificates) and WSS listeners. */
@Timeout(60)
class ListenersApiTest {
    private static final String PASSWORD = "listeners-secret";

    @TempDir
    Path tmp;

    @Test
    void listenersTellTheirProtocolLimitsAndTlsVerification() throws Exception {
        assumeTrue(TestCertificates.opensslOnPath(), "openssl not installed");
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        TestCertificates.selfSigned(cert, key, "localhost");
        ListenerConfig tcp = ListenerConfig.tcp("127.0.0.1", 0).withLimits(10, 50);
        ListenerConfig ssl = new ListenerConfig("ssl:external", "ssl", "127.0.0.1", 0, null, cert.toString(),
                key.toString(), cert.toString(), true, 1000);
        ListenerConfig wss = new ListenerConfig("wss:external", "wss", "127.0.0.1", 0, "/mqtt", cert.toString(),
                key.toString(), null, false, 1000);
        DashboardPlugin plugin = new DashboardPlugin();
        plugin.configure(List.of(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 1),
                new ConfigEntry("dashboard.default_user.password", PASSWORD, "test.conf", 2)));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (BrokerFixture broker = BrokerFixture.start(b -> b.listeners(List.of(tcp, ssl, wss)))) {
            plugin.start(new PluginContext(broker.broker().service(), registry, tmp, tmp));
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + plugin.port() + "/api/v4/listeners")).header("Authorization", "Basic "
                        + Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode entry = new ObjectMapper().readTree(r.body()).path("data").get(0);
                assertThat(entry.path("node").asText()).isEqualTo(broker.broker().service().nodeName());
                Map<String, JsonNode> byName = new HashMap<>();
                entry.path("listeners").forEach(l -> byName.put(l.path("identifier").asText(), l));
                assertThat(byName).containsOnlyKeys("tcp:external", "ssl:external", "wss:external");

                JsonNode t = byName.get("tcp:external");
                assertThat(t.path("protocol").asText()).isEqualTo("mqtt:tcp");
                assertThat(t.path("type").asText()).isEqualTo("tcp");
                assertThat(t.path("tls").asBoolean()).isFalse();
                assertThat(t.path("max_conn_per_ip").asInt()).isEqualTo(10);
                assertThat(t.path("max_conn_rate").asInt()).isEqualTo(50);
                assertThat(t.path("listen_on").asText()).isEqualTo("127.0.0.1:" + broker.broker().port("tcp"));

                JsonNode s = byName.get("ssl:external");
                assertThat(s.path("tls").asBoolean()).isTrue();
                assertThat(s.path("verify_peer").asBoolean()).isTrue();
                assertThat(s.path("max_conns").asInt()).isEqualTo(1000);

                JsonNode w = byName.get("wss:external");
                assertThat(w.path("tls").asBoolean()).isTrue();
                assertThat(w.path("verify_peer").asBoolean()).isFalse();
                assertThat(w.path("path").asText()).isEqualTo("/mqtt");
            } finally {
                plugin.stop();
            }
        } finally {
            registry.close();
        }
    }
}
