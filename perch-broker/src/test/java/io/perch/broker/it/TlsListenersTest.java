package io.perch.broker.it;

import io.perch.broker.config.ListenerConfig;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.TestCertificates;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** MQTT over TLS (ssl listener) and secure WebSocket (wss listener) with a PEM certificate and key. */
class TlsListenersTest {
    @TempDir
    static Path dir;
    static Path cert;
    static Path key;

    @BeforeAll
    static void makeCertificate() throws Exception {
        assumeTrue(TestCertificates.opensslOnPath(), "openssl not installed");
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        TestCertificates.selfSigned(cert, key, "localhost");
    }

    @Test
    void pubSubOverTlsAndSecureWebSocket() throws Exception {
        ListenerConfig ssl = new ListenerConfig("ssl:external", "ssl", "127.0.0.1", 0, null, cert.toString(),
                key.toString(), null, false, 1000);
        ListenerConfig wss = new ListenerConfig("wss:external", "wss", "127.0.0.1", 0, "/mqtt", cert.toString(),
                key.toString(), null, false, 1000);
        try (BrokerFixture broker = BrokerFixture.start(b -> b.listeners(List.of(ssl, wss)))) {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setSocketFactory(TestCertificates.trusting(cert).getSocketFactory());
            MqttClient sub = new MqttClient("ssl://127.0.0.1:" + broker.broker().port("ssl"), "tls-sub", new MemoryPersistence());
            MqttClient pub = new MqttClient("wss://127.0.0.1:" + broker.broker().port("wss") + "/mqtt", "wss-pub",
                    new MemoryPersistence());
            sub.connect(o);
            pub.connect(o);
            List<String> got = new CopyOnWriteArrayList<>();
            sub.subscribe("secure/#", 1, (t, m) -> got.add(t + " " + new String(m.getPayload())));
            pub.publish("secure/hello", "over wss".getBytes(), 1, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
            assertThat(got).containsExactly("secure/hello over wss");
            pub.disconnect();
            sub.disconnect();
            pub.close();
            sub.close();
        }
    }
}
