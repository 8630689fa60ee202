package io.perch.broker.it;

import io.perch.broker.testkit.BrokerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Debian's mosquitto_pub / mosquitto_sub against Perch, MQTT 3.1, 3.1.1 and 5 (installed by .ci/run). */
class MosquittoClientsTest {
    BrokerFixture broker;

    @BeforeEach
    void start() {
        assumeTrue(Interop.onPath("mosquitto_sub") && Interop.onPath("mosquitto_pub"), "mosquitto-clients not installed");
        broker = BrokerFixture.start();
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mqttv31", "mqttv311", "mqttv5"})
    void pubSubAllQosAndRetained(String version) throws Exception {
        String port = String.valueOf(broker.tcpPort());
        Interop.run(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-i", "ret-" + version,
                "-t", "m/" + version + "/retained", "-m", "kept", "-q", "1", "-r"), 10);
        Process sub = Interop.start(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", version,
                "-i", "sub-" + version, "-t", "m/" + version + "/#", "-q", "2", "-v", "-C", "4", "-W", "20"));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker().service()
                    .subscriptions("sub-" + version).containsKey("m/" + version + "/#"));
            for (int q = 0; q <= 2; q++) {
                Interop.run(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-V", version,
                        "-i", "pub-" + version + q, "-t", "m/" + version + "/q" + q, "-m", "hello" + q,
                        "-q", String.valueOf(q)), 10);
            }
            assertThat(sub.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String out = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(sub.exitValue()).as(out).isZero();
            // The retained message comes with the subscription, before anything published after it.
            // The three publishers are separate connections: MQTT orders messages per publisher
            // only, and a QoS 0 publisher may exit before the broker has routed its message.
            List<String> lines = out.lines().toList();
            assertThat(lines).first().isEqualTo("m/" + version + "/retained kept");
            assertThat(lines.subList(1, lines.size())).containsExactlyInAnyOrder("m/" + version + "/q0 hello0",
                    "m/" + version + "/q1 hello1", "m/" + version + "/q2 hello2");
        } finally {
            sub.destroyForcibly();
        }
    }
}
