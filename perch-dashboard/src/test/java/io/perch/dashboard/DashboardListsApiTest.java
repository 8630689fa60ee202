package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server-side filters the dashboard's list pages use (subscriptions, routes, retained),
 * {@code clustered} in {@code /status}, and MQTT 5 properties on {@code POST /mqtt/publish}; over
 * real HTTP against an in-process broker with real Paho clients.
 */
class DashboardListsApiTest {
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString("admin:secret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<org.eclipse.paho.mqttv5.client.MqttClient> v5Clients = new ArrayList<>();
    private DashboardFixture dash;

    @BeforeEach
    void start() throws Exception {
        dash = DashboardFixture.start(tmp, "secret");
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

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dash.plugin.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", BASIC);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode n = mapper.readTree(r.body());
        assertThat(n.get("code").asInt()).isZero();
        return n;
    }

    /** The status and API code of a request that must fail. */
    private void fails(String method, String path, String body, int status, int code) throws Exception {
        HttpResponse<String> r = send(method, path, body);
        assertThat(r.statusCode()).as(path + " " + body + ": " + r.body()).isEqualTo(status);
        assertThat(mapper.readTree(r.body()).get("code").asInt()).as(r.body()).isEqualTo(code);
    }

    private List<String> field(String path, String name) throws Exception {
        List<String> out = new ArrayList<>();
        get(path).get("data").forEach(n -> out.add(n.get(name).asText()));
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private MqttClient connect(String clientId) throws Exception {
        MqttClient c = dash.track(new MqttClient(dash.broker.tcpUri(), clientId, new MemoryPersistence()));
        c.connect(new MqttConnectOptions());
        return c;
    }

    @Test
    void subscriptionsFilterByClientTopicAndQosBeforeThePage() throws Exception {
        connect("sensor-1").subscribe(new String[]{"sensors/1/temp", "alerts/#"}, new int[]{1, 0});
        connect("sensor-2").subscribe(new String[]{"sensors/2/temp", "cmd/sensor-2"}, new int[]{2, 1});
        connect("panel").subscribe("sensors/+/temp", 0);

        assertThat(get("/api/v4/subscriptions").at("/meta/count").asInt()).isEqualTo(5);
        assertThat(field("/api/v4/subscriptions?_like_clientid=sensor", "topic"))
                .containsExactly("alerts/#", "sensors/1/temp", "cmd/sensor-2", "sensors/2/temp");
        assertThat(field("/api/v4/subscriptions?_like_topic=temp", "clientid")).containsExactly("panel", "sensor-1", "sensor-2");
        assertThat(field("/api/v4/subscriptions?qos=1", "topic")).containsExactly("sensors/1/temp", "cmd/sensor-2");
        assertThat(field("/api/v4/subscriptions?_like_topic=temp&qos=0", "clientid")).containsExactly("panel");
        JsonNode page = get("/api/v4/subscriptions?_like_topic=temp&_limit=2&_page=2");
        assertThat(page.at("/meta/count").asInt()).isEqualTo(3);
        assertThat(page.get("data")).hasSize(1);
        assertThat(page.at("/data/0/clientid").asText()).isEqualTo("sensor-2");
        // The per-node form takes the same filters.
        assertThat(field("/api/v4/nodes/test@127.0.0.1/subscriptions?_like_topic=alerts", "clientid")).containsExactly("sensor-1");
        fails("GET", "/api/v4/subscriptions?qos=3", null, 400, 108);
    }

    @Test
    void subscriptionsSortByTopicOrQosEitherWay() throws Exception {
        connect("sensor-1").subscribe(new String[]{"sensors/1/temp", "alerts/#"}, new int[]{1, 0});
        connect("sensor-2").subscribe(new String[]{"sensors/2/temp", "cmd/sensor-2"}, new int[]{2, 1});
        connect("panel").subscribe("sensors/+/temp", 0);

        assertThat(field("/api/v4/subscriptions?_sort=topic", "topic"))
                .containsExactly("alerts/#", "cmd/sensor-2", "sensors/+/temp", "sensors/1/temp", "sensors/2/temp");
        assertThat(field("/api/v4/subscriptions?_sort=topic&_order=desc", "topic"))
                .containsExactly("sensors/2/temp", "sensors/1/temp", "sensors/+/temp", "cmd/sensor-2", "alerts/#");
        // By QoS, then client id, then topic; the page is cut after sorting.
        assertThat(field("/api/v4/subscriptions?_sort=qos", "topic"))
                .containsExactly("sensors/+/temp", "alerts/#", "sensors/1/temp", "cmd/sensor-2", "sensors/2/temp");
        assertThat(field("/api/v4/subscriptions?_sort=qos&_order=desc&_limit=2", "topic"))
                .containsExactly("sensors/2/temp", "cmd/sensor-2");
        assertThat(field("/api/v4/subscriptions?_order=desc", "clientid"))
                .containsExactly("sensor-2", "sensor-2", "sensor-1", "sensor-1", "panel");
        assertThat(field("/api/v4/nodes/test@127.0.0.1/subscriptions?_sort=topic&_limit=1", "topic")).containsExactly("alerts/#");
        fails("GET", "/api/v4/subscriptions?_sort=node", null, 400, 108);
        fails("GET", "/api/v4/subscriptions?_order=up", null, 400, 108);
    }

    @Test
    void routesFilterByTopicSubstringAndNode() throws Exception {
        connect("a").subscribe(new String[]{"sensors/1/temp", "alerts/#"}, new int[]{1, 0});
        connect("b").subscribe("sensors/2/temp", 0);

        assertThat(field("/api/v4/routes", "topic")).containsExactly("alerts/#", "sensors/1/temp", "sensors/2/temp");
        assertThat(field("/api/v4/routes?_like_topic=temp", "topic")).containsExactly("sensors/1/temp", "sensors/2/temp");
        JsonNode page = get("/api/v4/routes?_like_topic=sensors&_limit=1&_page=2");
        assertThat(page.at("/meta/count").asInt()).isEqualTo(2);
        assertThat(page.at("/data/0/topic").asText()).isEqualTo("sensors/2/temp");
        assertThat(field("/api/v4/routes?node=test@127.0.0.1", "topic")).hasSize(3);
        assertThat(get("/api/v4/routes?node=elsewhere").at("/meta/count").asInt()).isZero();
    }

    @Test
    void retainedNarrowsByAnMqttFilterAndKeepsSysOutUnlessAsked() throws Exception {
        var svc = dash.broker.broker().service();
        for (String topic : List.of("sensors/1/temp", "sensors/2/temp", "sensors/2/hum", "other/x")) {
            svc.publish(svc.newMessage(topic, "v".getBytes(StandardCharsets.UTF_8), 0, true, "test"))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        await().until(() -> svc.retained().get("other/x").isPresent());

        assertThat(field("/api/v4/mqtt/retained?_match_topic=" + enc("sensors/+/temp"), "topic"))
                .containsExactly("sensors/1/temp", "sensors/2/temp");
        JsonNode page = get("/api/v4/mqtt/retained?_match_topic=" + enc("sensors/#") + "&_limit=2&_page=2");
        assertThat(page.at("/meta/count").asInt()).isEqualTo(3);
        assertThat(page.get("data")).hasSize(1);
        assertThat(page.at("/data/0/topic").asText()).isEqualTo("sensors/2/temp");
        assertThat(get("/api/v4/mqtt/retained?_match_topic=" + enc("sensors/#") + "&_limit=2&_page=3").get("data")).isEmpty();
        // '#' does not match $SYS topics (MQTT-4.7.2-1), and $SYS/# is still left out unless asked.
        assertThat(field("/api/v4/mqtt/retained?_match_topic=" + enc("#"), "topic")).hasSize(4);
        assertThat(get("/api/v4/mqtt/retained?_match_topic=" + enc("$SYS/#")).at("/meta/count").asInt()).isZero();
        assertThat(get("/api/v4/mqtt/retained?_include_sys=true&_match_topic=" + enc("$SYS/#")).at("/meta/count").asInt())
                .isEqualTo(svc.retained().size() - 4);
        fails("GET", "/api/v4/mqtt/retained?_match_topic=" + enc("a/#/b"), null, 400, 115);
    }

    @Test
    void subscribingToAnInvalidFilterSaysSoNotThatTheClientIsOffline() throws Exception {
        connect("online");
        fails("POST", "/api/v4/mqtt/subscribe", "{\"clientid\":\"online\",\"topic\":\"a/#/b\"}", 400, 115);
        assertThat(dash.broker.broker().service().subscriptions("online")).isEmpty();
        fails("POST", "/api/v4/mqtt/subscribe", "{\"clientid\":\"nobody\",\"topic\":\"a/b\"}", 404, 112);
    }

    @Test
    void statusTellsWhetherTheBrokerIsClustered() throws Exception {
        assertThat(get("/api/v4/status").at("/data/clustered").asBoolean(true)).isFalse();
    }

    @Test
    void publishPassesMqtt5PropertiesToAnMqtt5Subscriber() throws Exception {
        var sub = new org.eclipse.paho.mqttv5.client.MqttClient(dash.broker.tcpUri(), "v5-sub",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        v5Clients.add(sub);
        AtomicReference<org.eclipse.paho.mqttv5.common.MqttMessage> got = new AtomicReference<>();
        sub.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) { }
            public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) { }
            public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) { got.set(m); }
            public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) { }
            public void connectComplete(boolean reconnect, String uri) { }
            public void authPacketArrived(int reason, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) { }
        });
        sub.connect();
        sub.subscribe("props/#", 1);

        HttpResponse<String> r = send("POST", "/api/v4/mqtt/publish", """
                {"topic":"props/a","payload":"{\\"t\\":21}","qos":1,"properties":{"payload_format_indicator":1,
                 "message_expiry_interval":60,"content_type":"application/json","response_topic":"props/reply",
                 "correlation_data":"req-7","user_properties":{"site":"north","unit":"C"}}}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await().untilAsserted(() -> assertThat(got.get()).isNotNull());
        var m = got.get();
        var p = m.getProperties();
        assertThat(new String(m.getPayload(), StandardCharsets.UTF_8)).isEqualTo("{\"t\":21}");
        assertThat(p.getPayloadFormat()).isTrue();
        assertThat(p.getMessageExpiryInterval()).isBetween(1L, 60L);
        assertThat(p.getContentType()).isEqualTo("application/json");
        assertThat(p.getResponseTopic()).isEqualTo("props/reply");
        assertThat(new String(p.getCorrelationData(), StandardCharsets.UTF_8)).isEqualTo("req-7");
        assertThat(p.getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue()).containsExactly("site=north", "unit=C");

        fails("POST", "/api/v4/mqtt/publish", "{\"topic\":\"props/a\",\"properties\":{\"colour\":\"red\"}}", 400, 108);
        fails("POST", "/api/v4/mqtt/publish", "{\"topic\":\"props/a\",\"properties\":{\"payload_format_indicator\":2}}", 400, 108);
        fails("POST", "/api/v4/mqtt/publish", "{\"topic\":\"props/a\",\"properties\":{\"message_expiry_interval\":-1}}", 400, 108);
        fails("POST", "/api/v4/mqtt/publish", "{\"topic\":\"props/a\",\"properties\":{\"user_properties\":{\"n\":1}}}", 400, 108);
        fails("POST", "/api/v4/mqtt/publish", "{\"topic\":\"props/a\",\"properties\":{\"response_topic\":\"r/#\"}}", 400, 115);
    }
}
