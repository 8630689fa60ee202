package io.perch.broker.it;

import io.perch.broker.testkit.BrokerFixture;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * MQTT.js (the browser/Node client the dashboard also uses) over WebSocket, MQTT 3.1.1 and 5:
 * retained message, subscribe, QoS 0/1/2 publish. Needs node and
 * {@code src/test/node/node_modules} ({@code npm ci} there; .ci/run does it).
 */
class MqttJsWebSocketTest {
    private static final File DIR = new File("src/test/node");

    @Test
    void mqttJsTalksToPerchOverWebSocket() throws Exception {
        assumeTrue(new File(DIR, "node_modules/mqtt").isDirectory(), "run npm ci in perch-broker/src/test/node");
        assumeTrue(Interop.onPath("node"), "node not installed");
        try (BrokerFixture broker = BrokerFixture.start()) {
            Process p = new ProcessBuilder("node", "mqttjs-ws.js", broker.wsUri()).directory(DIR)
                    .redirectErrorStream(true).start();
            try {
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("node finished").isTrue();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.exitValue()).as(out).isZero();
                for (String v : new String[]{"v4", "v5"}) {
                    assertThat(out).contains("{\"topic\":\"js/" + v + "/retained\",\"payload\":\"kept\",\"qos\":1,\"retain\":true}");
                    assertThat(out).contains("{\"topic\":\"js/" + v + "/q0\",\"payload\":\"hello0\",\"qos\":0,\"retain\":false}");
                    assertThat(out).contains("{\"topic\":\"js/" + v + "/q1\",\"payload\":\"hello1\",\"qos\":1,\"retain\":false}");
                    assertThat(out).contains("{\"topic\":\"js/" + v + "/q2\",\"payload\":\"hello2\",\"qos\":2,\"retain\":false}");
                }
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
