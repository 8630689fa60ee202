package io.perch.bench;

import io.perch.bench.client.ClientSettings;
import io.perch.bench.stats.BenchResult;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The same flows over WebSocket, MQTT 5, TLS and persistent sessions. */
class TransportsAgainstMosquittoTest extends BrokerTestBase {

    @Test
    void webSocketMqtt5QoS1() throws Exception {
        ClientSettings ws = ClientSettings.plain("127.0.0.1", broker.wsPort()).withWebSocket(true).withVersion(5);
        BenchResult r = run(ws, spec("pubsub").publishers(1).subscribers(1).qos(1).countPerPub(300)
                .pubTopic("ws/%i").build());

        assertThat(r.connectionsHealthy()).isTrue();
        assertThat(r.deliveredShare()).isEqualTo(100.0);
        assertThat(r.duplicates()).isZero();
    }

    @Test
    void mqtt5PersistentSessionsWithExpiry() throws Exception {
        ClientSettings v5 = tcp().withVersion(5).withSession(false, 60);
        BenchResult r = run(v5, spec("pubsub").publishers(1).subscribers(1).qos(2).countPerPub(200)
                .pubTopic("v5/%i").build());

        assertThat(r.connectionsHealthy()).isTrue();
        assertThat(r.acked()).isEqualTo(200);
        assertThat(r.deliveredShare()).isEqualTo(100.0);
    }

    @Test
    void tlsWithASelfSignedCertificate() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("tls"));
        Optional<Path> made = Mosquitto.selfSignedCert(certs);
        assumeTrue(made.isPresent(), "openssl could not make a certificate");
        Path tlsDir = Files.createDirectories(dir.resolve("tls-broker"));
        try (Mosquitto tlsBroker = Mosquitto.start(Mosquitto.binary().orElseThrow(), tlsDir, certs)) {
            ClientSettings tls = ClientSettings.plain("127.0.0.1", tlsBroker.tlsPort()).withTls(true);
            BenchResult r = run(tls, spec("pubsub").publishers(1).subscribers(1).qos(1).countPerPub(200)
                    .pubTopic("tls/%i").build());

            assertThat(r.connectionsHealthy()).isTrue();
            assertThat(r.deliveredShare()).isEqualTo(100.0);
        }
    }
}
