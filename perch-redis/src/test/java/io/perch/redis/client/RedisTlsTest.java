package io.perch.redis.client;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.message.Message;
import io.perch.broker.testkit.TestCertificates;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.RecordingBroker;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.perch.redis.testkit.Rules.PUBLISH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A pool with {@code ssl = on} talks TLS to a real redis-server (its TLS port; assertions read
 * through the plain port), verifying the server against {@code ssl.cacertfile}; a server that
 * CA does not vouch for is never trusted, and MQTT goes on meanwhile; a server that asks for
 * a client certificate gets {@code ssl.certfile}/{@code ssl.keyfile}. Needs openssl and a
 * redis-server built with TLS on PATH (Debian's is; .ci/run installs both).
 */
class RedisTlsTest {
    @TempDir
    static Path dir;
    static Path cert;
    static Path key;
    static Path otherCa;
    static Path clientCert;
    static Path clientKey;
    static Path trustedByRedis;

    private TestRedis redis;
    private int tlsPort;
    private Backend backend;

    @BeforeAll
    static void certificates() throws Exception {
        assumeTrue(TestCertificates.opensslOnPath(), "openssl not installed");
        cert = dir.resolve("redis.pem");
        key = dir.resolve("redis.key");
        otherCa = dir.resolve("other.pem");
        TestCertificates.selfSigned(cert, key, "localhost");
        TestCertificates.selfSigned(otherCa, dir.resolve("other.key"), "someone-else");
        clientCert = dir.resolve("client.pem");
        clientKey = dir.resolve("client.key");
        TestCertificates.selfSigned(clientCert, clientKey, "perch-client");
        // What Redis accepts client certificates from: the client's own (self-signed) certificate.
        trustedByRedis = dir.resolve("clients-ca.pem");
        Files.write(trustedByRedis, Files.readAllBytes(clientCert));
    }

    @BeforeEach
    void startRedisWithTls(TestInfo test) throws IOException {
        tlsPort = TestRedis.freePort();
        boolean clientCerts = test.getTags().contains("client-certificates");
        try {
            redis = TestRedis.start("--tls-port", Integer.toString(tlsPort), "--tls-cert-file", cert.toString(),
                    "--tls-key-file", key.toString(), "--tls-ca-cert-file", trustedByRedis.toString(),
                    "--tls-auth-clients", clientCerts ? "yes" : "no");
        } catch (UncheckedIOException e) {
            assumeTrue(false, "the redis-server found has no TLS support: " + e.getMessage());
        }
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private Backend startBackend(Path ca, String... more) {
        List<String> lines = new ArrayList<>(List.of(
                "backend.redis.pool1.server = 127.0.0.1:" + tlsPort,
                "backend.redis.pool1.ssl = on",
                "backend.redis.pool1.ssl.cacertfile = " + ca,
                "backend.redis.pool1.ssl.verify = verify_peer",
                "backend.redis.embedded = off",
                PUBLISH));
        lines.addAll(List.of(more));
        return Backend.startWith(new RecordingBroker("perch@127.0.0.1"), lines);
    }

    private void publish(String topic) {
        Message m = backend.broker.newMessage(topic, "over tls".getBytes(StandardCharsets.UTF_8), 1, false, "p");
        backend.broker.hooks().run(HookPoints.MESSAGE_PUBLISH,
                        new PublishEvent(new Events(backend.broker).client("p"), m, true))
                .toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void writesGoOverTlsToAServerTheCaFileVouchesFor() {
        backend = startBackend(cert);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(pipeline::isUp);
        publish("secure/t");
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:secure/t") == 1);
        String id = redis.cli().zrange("mqtt:msg:secure/t", 0, -1).get(0);
        // The pool's only address is the TLS port, which speaks nothing but TLS.
        assertThat(redis.cli().hget("mqtt:msg:" + id, "payload")).isEqualTo("over tls");
    }

    @Test
    void aServerTheCaFileDoesNotVouchForIsNeverUsed() {
        backend = startBackend(otherCa);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        publish("secure/t"); // MQTT goes on: the write waits in the backlog
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !pipeline.isUp());
        assertThat(pipeline.backlog()).isEqualTo(1);
        assertThat(redis.cli().exists("mqtt:msg:secure/t")).isZero();
    }

    @Test
    @Tag("client-certificates")
    void aServerThatAsksForAClientCertificateGetsTheConfiguredOne() {
        backend = startBackend(cert, "backend.redis.pool1.ssl.certfile = " + clientCert,
                "backend.redis.pool1.ssl.keyfile = " + clientKey);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(pipeline::isUp);
        publish("mutual/t");
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().zcard("mqtt:msg:mutual/t") == 1);
    }

    @Test
    @Tag("client-certificates")
    void withoutAClientCertificateSuchAServerIsNotReached() {
        backend = startBackend(cert);
        CommandPipeline pipeline = backend.plugin.pipeline("pool1").orElseThrow();
        publish("mutual/t");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !pipeline.isUp());
        assertThat(redis.cli().exists("mqtt:msg:mutual/t")).isZero();
    }
}
