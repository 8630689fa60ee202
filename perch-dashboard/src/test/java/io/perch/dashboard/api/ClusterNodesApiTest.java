package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.api.BrokerService;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.dashboard.DashboardPlugin;
import io.perch.dashboard.FixedCluster;
import io.perch.dashboard.ctl.CtlCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

/**
 * /api/v4/nodes and {@code ctl cluster status} when the broker is one node of a cluster. The
 * cluster is a fixed list (the API's shape is under test here; the Redis parts are tested
 * against redis-server in perch-redis).
 */
class ClusterNodesApiTest {
    private static final String PASSWORD = "cluster-secret";

    @TempDir
    Path tmp;

    private BrokerFixture broker;
    private DashboardPlugin plugin;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        broker = BrokerFixture.start();
        // This node and two others, one alive, one that stopped heartbeating; otherwise a single node.
        BrokerService clustered = FixedCluster.around(broker.broker().service());
        plugin = new DashboardPlugin();
        plugin.configure(List.of(new ConfigEntry("dashboard.listener.http", "127.0.0.1:0", "test.conf", 1),
                new ConfigEntry("dashboard.default_user.password", PASSWORD, "test.conf", 2)));
        plugin.start(new PluginContext(clustered, registry, tmp, tmp));
    }

    @AfterEach
    void stop() throws Exception {
        if (plugin != null) {
            plugin.stop();
        }
        broker.close();
        registry.close();
    }

    private JsonNode get(String path) throws Exception {
        return get(path, 200);
    }

    private JsonNode get(String path, int status) throws Exception {
        return send("GET", path, status);
    }

    private JsonNode send(String method, String path, int status) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plugin.port() + path))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        return new ObjectMapper().readTree(res.body());
    }

    @Test
    void nodesListsEveryClusterNodeWithThisOneInFull() throws Exception {
        JsonNode nodes = get("/api/v4/nodes").get("data");
        assertThat(nodes).hasSize(3);
        JsonNode self = nodes.get(0);
        assertThat(self.get("node").asText()).isEqualTo(broker.broker().service().nodeName());
        assertThat(self.get("node_status").asText()).isEqualTo("Running");
        assertThat(self.has("memory_total")).as("this node keeps its local details").isTrue();
        assertThat(self.has("listeners")).isTrue();
        assertThat(self.get("heartbeat_age_ms").asLong()).isBetween(300L, 60_000L);

        JsonNode n2 = nodes.get(1);
        assertThat(n2.get("node").asText()).isEqualTo("n2");
        assertThat(n2.get("node_status").asText()).isEqualTo("Running");
        assertThat(n2.get("version").asText()).isEqualTo("1.2.3");
        assertThat(n2.get("details").get("listeners").asText()).isEqualTo("mqtt:tcp:0.0.0.0:1883");
        assertThat(n2.has("heartbeat")).isTrue();

        JsonNode n3 = nodes.get(2);
        assertThat(n3.get("node_status").asText()).isEqualTo("Stopped");
        assertThat(n3.get("alive").asBoolean()).isFalse();
        assertThat(n3.get("heartbeat_age_ms").asLong()).isGreaterThanOrEqualTo(60_000L);
    }

    @Test
    void ctlClusterStatusPrintsOneLinePerNode() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new CtlCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute("--url", "http://127.0.0.1:" + plugin.port(), "--user", "admin", "--password", PASSWORD,
                "cluster", "status");
        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("n2").contains("running").containsPattern("heartbeat \\d+\\.\\ds ago");
        assertThat(lines.get(2)).startsWith("n3").contains("stopped").containsPattern("heartbeat 6\\ds ago");
        assertThat(out.toString()).doesNotContain(PASSWORD);
    }

    /**
     * n2 is listed alive but answers no call (this fixed cluster has no Redis) and n3 stopped
     * heartbeating: the lists answer with this node's part and name both, a lookup of a client
     * no node that answered has is 503, and ctl says which nodes are missing.
     */
    @Test
    void nodesThatDoNotAnswerAreReportedNotFailed() throws Exception {
        JsonNode clients = get("/api/v4/clients");
        assertThat(clients.get("meta").get("count").asInt()).isZero();
        assertThat(clients.get("unavailable_nodes")).hasSize(2);
        assertThat(clients.get("unavailable_nodes").get(0).get("node").asText()).isEqualTo("n2");
        assertThat(clients.get("unavailable_nodes").get(0).get("reason").asText()).isEqualTo("not clustered");
        assertThat(clients.get("unavailable_nodes").get(1).get("node").asText()).isEqualTo("n3");
        assertThat(clients.get("unavailable_nodes").get(1).get("reason").asText()).contains("no heartbeat");
        assertThat(get("/api/v4/subscriptions").get("unavailable_nodes")).hasSize(2);
        assertThat(get("/api/v4/clients/nobody", 503).get("message").asText())
                .contains("not on the nodes that answered").contains("n2 (not clustered)");
        assertThat(get("/api/v4/nodes/n2/clients", 503).get("message").asText()).isEqualTo("node n2 did not answer: not clustered");
        assertThat(get("/api/v4/nodes/n9/clients", 404).get("code").asInt()).isEqualTo(404);
        assertThat(get("/api/v4/nodes/" + broker.broker().service().nodeName() + "/clients").get("data")).isEmpty();
        assertThat(get("/api/v4/clients?_sort=age", 400).get("code").asInt()).isEqualTo(108);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new CtlCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute("--url", "http://127.0.0.1:" + plugin.port(), "--user", "admin", "--password", PASSWORD,
                "clients", "list");
        assertThat(exit).isZero();
        assertThat(out.toString()).startsWith("CLIENT ID").doesNotContain("Warning");
        assertThat(err.toString()).contains("Warning: node n2 did not answer (not clustered); its entries are missing")
                .contains("Warning: node n3 did not answer");
    }

    /** The alarms answer for the cluster too: the nodes that did not answer are named, not a 500. */
    @Test
    void alarmsNameTheNodesThatDidNotAnswer() throws Exception {
        JsonNode alarms = get("/api/v4/alarms");
        assertThat(alarms.get("meta").get("count").asInt()).isZero();
        assertThat(alarms.get("unavailable_nodes")).hasSize(2);
        assertThat(alarms.get("unavailable_nodes").get(0).get("node").asText()).isEqualTo("n2");
        assertThat(alarms.get("unavailable_nodes").get(0).get("reason").asText()).isEqualTo("not clustered");
        assertThat(alarms.get("unavailable_nodes").get(1).get("node").asText()).isEqualTo("n3");
        assertThat(get("/api/v4/alarms?activated=false").get("unavailable_nodes")).hasSize(2);
        assertThat(get("/api/v4/alarms?activated=maybe", 400).get("message").asText()).contains("activated");
        JsonNode cleared = send("DELETE", "/api/v4/alarms/deactivated", 200);
        assertThat(cleared.get("code").asInt()).isZero();
        assertThat(cleared.get("unavailable_nodes")).extracting(n -> n.get("node").asText()).containsExactly("n2", "n3");
    }
}
