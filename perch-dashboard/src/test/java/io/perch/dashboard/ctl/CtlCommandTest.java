package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.dashboard.DashboardFixture;
import io.perch.dashboard.DashboardPlugin;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code ctl} run in-process through picocli against a live broker and dashboard over real HTTP. */
class CtlCommandTest {
    private static final String PASSWORD = "ctl-secret";

    @TempDir
    Path tmp;

    private DashboardFixture dash;
    private BrokerFixture fixture;
    private DashboardPlugin plugin;
    private PrometheusMeterRegistry registry;

    @BeforeEach
    void start() throws Exception {
        dash = DashboardFixture.start(tmp, PASSWORD);
        fixture = dash.broker;
        plugin = dash.plugin;
        registry = dash.registry;
    }

    @AfterEach
    void stop() throws Exception {
        dash.close();
    }

    private record Result(int exit, String out, String err) {
    }

    private Result ctl(String... args) {
        return ctlAs(PASSWORD, args);
    }

    private Result ctlAs(String password, String... args) {
        return ctlWithStdin("", password, args);
    }

    private Result ctlWithStdin(String stdin, String password, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CtlCommand root = new CtlCommand();
        root.stdin = new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        CommandLine cmd = new CommandLine(root);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--url", "http://127.0.0.1:" + plugin.port(), "--user", "admin", "--password", password));
        all.addAll(List.of(args));
        int exit = cmd.execute(all.toArray(new String[0]));
        return new Result(exit, out.toString(), err.toString());
    }

    private MqttClient connect(String clientId) throws Exception {
        MqttClient c = new MqttClient(fixture.tcpUri(), clientId, new MemoryPersistence());
        c.connect(new MqttConnectOptions());
        dash.track(c);
        return c;
    }

    @Test
    void clientsListAndShowAConnectedPahoClient() throws Exception {
        connect("paho-ctl");
        Result list = ctl("clients", "list");
        assertThat(list.exit()).as(list.err()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines.get(0)).startsWith("CLIENT ID").contains("USERNAME", "ADDRESS", "STATUS", "CONNECTED AT");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("paho-ctl").contains("127.0.0.1:", "connected");
        // Aligned: every column starts at the same offset in the header and the row.
        assertThat(lines.get(1).indexOf("127.0.0.1")).isEqualTo(lines.get(0).indexOf("ADDRESS"));

        Result show = ctl("clients", "show", "paho-ctl");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).containsPattern("(?m)^clientid\\s+paho-ctl$").containsPattern("(?m)^connected\\s+true$");
        assertThat(ctl("clients", "show", "nobody").exit()).isEqualTo(1);
    }

    @Test
    void kickDisconnectsTheClient() throws Exception {
        MqttClient c = connect("to-kick");
        Result kick = ctl("clients", "kick", "to-kick");
        assertThat(kick.exit()).as(kick.err()).isZero();
        assertThat(kick.out().trim()).isEqualTo("ok");
        await().until(() -> !c.isConnected());
        Result again = ctl("clients", "kick", "to-kick");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).startsWith("Error: ").contains("not found");
    }

    @Test
    void subscriptionsAddMakesAConnectedClientReceive() throws Exception {
        MqttClient sub = connect("ctl-sub");
        List<String> got = new CopyOnWriteArrayList<>();
        sub.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            public void connectionLost(Throwable cause) { }
            public void messageArrived(String topic, MqttMessage m) {
                got.add(topic + "=" + new String(m.getPayload(), StandardCharsets.UTF_8));
            }
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) { }
        });
        Result add = ctl("subscriptions", "add", "ctl-sub", "ctl/cmd", "1");
        assertThat(add.exit()).as(add.err()).isZero();
        connect("ctl-pub").publish("ctl/cmd", "reboot".getBytes(StandardCharsets.UTF_8), 1, false);
        await().until(() -> got.contains("ctl/cmd=reboot"));

        assertThat(ctl("subscriptions", "list").out()).containsPattern("(?m)^ctl-sub\\s+ctl/cmd\\s+1$");
        assertThat(ctl("subscriptions", "show", "ctl-sub").out()).containsPattern("(?m)^ctl-sub\\s+ctl/cmd\\s+1$");
        assertThat(ctl("topics", "list").out()).containsPattern("(?m)^ctl/cmd\\s+test@127.0.0.1\\s+1$");
        assertThat(ctl("subscriptions", "del", "ctl-sub", "ctl/cmd").exit()).isZero();
        assertThat(ctl("subscriptions", "show", "ctl-sub").out().lines()).containsExactly("CLIENT ID  TOPIC  QOS");
        assertThat(ctl("subscriptions", "add", "ghost", "t", "0").exit()).isEqualTo(1);
    }

    @Test
    void jsonPrintsValidJsonWhereverTheOptionStands() throws Exception {
        connect("json-client");
        ObjectMapper mapper = new ObjectMapper();
        Result after = ctl("clients", "list", "--json");
        assertThat(after.exit()).isZero();
        JsonNode data = mapper.readTree(after.out());
        assertThat(data.isArray()).isTrue();
        assertThat(data.get(0).get("clientid").asText()).isEqualTo("json-client");
        assertThat(mapper.readTree(ctl("--json", "status").out()).get("status").asText()).isEqualTo("running");
        assertThat(mapper.readTree(ctl("--json", "clients", "show", "json-client").out()).get("connected").asBoolean()).isTrue();
        assertThat(mapper.readTree(ctl("plugins", "list", "--json").out()).get(0).get("name").asText()).isEqualTo("perch_dashboard");
        assertThat(mapper.readTree(ctl("clients", "kick", "json-client", "--json").out()).get("code").asInt()).isZero();
    }

    @Test
    void retainedListAndDelete() throws Exception {
        MqttClient c = connect("retainer");
        MqttMessage m = new MqttMessage("22.5".getBytes(StandardCharsets.UTF_8));
        m.setRetained(true);
        m.setQos(1);
        c.publish("room 1/temp", m);
        await().until(() -> fixture.broker().service().retained().get("room 1/temp").isPresent());
        assertThat(ctl("retained", "list").out()).containsPattern("(?m)^room 1/temp\\s+1\\s+22\\.5\\s+retainer\\s+\\d{4}-");
        Result del = ctl("retained", "del", "room 1/temp");
        assertThat(del.exit()).as(del.err()).isZero();
        assertThat(fixture.broker().service().retained().get("room 1/temp")).isEmpty();
        assertThat(ctl("retained", "del", "room 1/temp").exit()).isEqualTo(1);
    }

    @Test
    void statusPluginsAndBackends() {
        Result status = ctl("status");
        assertThat(status.exit()).isZero();
        assertThat(status.out()).contains("Node 'test@127.0.0.1' is running", "Perch ").doesNotContain("default password");
        assertThat(ctl("backends").out()).contains("No backend is running");
        registry.counter("backend.redis.commands", "function", "on_client_connected", "result", "ok").increment(2);
        assertThat(ctl("backends").out()).containsPattern("(?m)^redis\\s+backend.redis.commands\\s+.*function=on_client_connected.*count: 2");
        assertThat(ctl("plugins", "list").out().lines()).containsExactly("Plugin(perch_dashboard, active=true)",
                "Plugin(perch_backend_redis, active=true)");
    }

    @Test
    void wrongPasswordExitsOneWithoutEchoingIt() {
        Result r = ctlAs("not-the-password", "clients", "list");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("Error: not authorized");
        assertThat(r.out() + r.err()).doesNotContain("not-the-password");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(ctl().exit()).isEqualTo(2);
        assertThat(ctl("clients", "bogus").exit()).isEqualTo(2);
        assertThat(ctl("subscriptions", "add", "c", "t").exit()).isEqualTo(2);
        Result badQos = ctl("subscriptions", "add", "c", "t", "5");
        assertThat(badQos.exit()).isEqualTo(2);
        assertThat(badQos.err()).contains("QOS must be 0, 1 or 2");
        assertThat(ctl("--help").out()).contains("clients", "subscriptions", "retained", "backends").doesNotContain(PASSWORD, "public");
    }

    @Test
    void unreachableBrokerExitsOne() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new CtlCommand());
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        int port = plugin.port();
        plugin.stop();
        assertThat(cmd.execute("--url", "http://127.0.0.1:" + port, "status")).isEqualTo(1);
        assertThat(err.toString()).contains("cannot reach");
    }

    @Test
    void adminsPasswdChangesThePasswordReadFromStdin() throws Exception {
        String next = "ctl-new-secret";
        Result weak = ctlWithStdin("short\n", PASSWORD, "admins", "passwd", "--stdin");
        assertThat(weak.exit()).isEqualTo(1);
        assertThat(weak.err()).startsWith("Error: ").contains("at least 8 characters").doesNotContain("short\n");

        Result changed = ctlWithStdin(next + "\n", PASSWORD, "admins", "passwd", "--stdin");
        assertThat(changed.exit()).as(changed.err()).isZero();
        assertThat(changed.out()).contains("password of 'admin' was changed").doesNotContain(next, PASSWORD);
        assertThat(ctl("status").exit()).isEqualTo(1);
        Result status = ctlAs(next, "status");
        assertThat(status.exit()).as(status.err()).isZero();

        Result wrongOld = ctlWithStdin("another-secret\n", "not-it", "admins", "passwd", "--stdin");
        assertThat(wrongOld.exit()).isEqualTo(1);
        Result noInput = ctlWithStdin("", next, "admins", "passwd", "--stdin");
        assertThat(noInput.exit()).isEqualTo(2);
        // Without --stdin there is no terminal under the test runner: a usage error, not a hang.
        assertThat(ctlAs(next, "admins", "passwd").exit()).isEqualTo(2);
    }
}
