package io.perch.broker.it;

import io.perch.broker.config.ListenerConfig;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.AuthenticateEvent;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.testkit.BrokerFixture;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * peer_cert_as_username / peer_cert_as_clientid: a client presenting a certificate signed by the
 * listener's CA is named by the certificate's subject, whatever its CONNECT says, before the
 * authentication hooks run.
 */
class PeerCertIdentityTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void makeCertificates() throws Exception {
        assumeTrue(Interop.onPath("openssl"), "openssl not installed");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Perch Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout", p("ca.key"), "-out", p("ca.pem"));
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        signed("server", "/CN=localhost");
        signed("client", "/O=Perch Test/CN=device-42");
        openssl("pkcs12", "-export", "-in", p("client.pem"), "-inkey", p("client.key"), "-out", p("client.p12"),
                "-passout", "pass:changeit");
    }

    private static String p(String name) {
        return dir.resolve(name).toString();
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Interop.run(cmd, 60);
    }

    private static void signed(String name, String subject) throws Exception {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", p(name + ".key"),
                "-out", p(name + ".csr"));
        openssl("x509", "-req", "-in", p(name + ".csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
                "-CAcreateserial", "-days", "1", "-extfile", p(name + ".ext"), "-out", p(name + ".pem"));
    }

    /** Trusts the test CA and presents the client certificate. */
    private static SSLSocketFactory clientTls() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.pem"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("client.p12"))) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    private static ListenerConfig listener(String type, String asUsername, String asClientId) {
        return new ListenerConfig(type + ":external", type, "127.0.0.1", 0, type.equals("wss") ? "/mqtt" : null,
                p("server.pem"), p("server.key"), p("ca.pem"), true, 1000, asUsername, asClientId);
    }

    @Test
    void theCertificateSubjectNamesTheClientBeforeAuthentication() throws Exception {
        Map<String, ClientInfo> seen = new ConcurrentHashMap<>();
        try (BrokerFixture broker = BrokerFixture.start(
                b -> b.allowAnonymous(false).listeners(List.of(listener("ssl", "cn", null), listener("wss", "dn", "cn"))),
                br -> br.hooks().register(HookPoints.CLIENT_AUTHENTICATE, 0, "observer", (AuthenticateEvent ev) -> {
                    seen.put(ev.client().listener(), ev.client());
                    // Only the certificate's names get in: what the client claims is not looked at.
                    boolean known = "device-42".equals(ev.client().username())
                            || "CN=device-42,O=Perch Test".equals(ev.client().username());
                    return CompletableFuture.completedFuture(known ? HookResult.stop(ev.decide(
                            AuthenticateEvent.Decision.ALLOW, false)) : HookResult.ok());
                }))) {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setSocketFactory(clientTls());
            o.setUserName("somebody-else");
            o.setPassword("x".toCharArray());

            MqttClient ssl = new MqttClient("ssl://127.0.0.1:" + broker.broker().port("ssl"), "claimed-id",
                    new MemoryPersistence());
            ssl.connect(o);
            assertThat(seen.get("ssl:external").username()).isEqualTo("device-42");
            assertThat(seen.get("ssl:external").clientId()).isEqualTo("claimed-id");
            // What EMQ X's %C and %d stand for, for every source:
            assertThat(seen.get("ssl:external").certCommonName()).isEqualTo("device-42");
            assertThat(seen.get("ssl:external").certSubject()).isEqualTo("CN=device-42,O=Perch Test");
            ssl.disconnect();
            ssl.close();

            MqttClient wss = new MqttClient("wss://127.0.0.1:" + broker.broker().port("wss") + "/mqtt", "claimed-id",
                    new MemoryPersistence());
            wss.connect(o);
            assertThat(seen.get("wss:external").username()).isEqualTo("CN=device-42,O=Perch Test");
            assertThat(seen.get("wss:external").clientId()).isEqualTo("device-42");
            assertThat(broker.broker().service().client("device-42")).isPresent();
            wss.disconnect();
            wss.close();
        }
    }

    @Test
    void withoutACertificateToNameItTheClientIsRefused() throws Exception {
        // Built directly (the config file refuses this without verify_peer): TLS that asks for no client certificate.
        ListenerConfig noVerify = new ListenerConfig("ssl:external", "ssl", "127.0.0.1", 0, null, p("server.pem"),
                p("server.key"), p("ca.pem"), false, 1000, "cn", null);
        try (BrokerFixture broker = BrokerFixture.start(b -> b.listeners(List.of(noVerify)))) {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setSocketFactory(clientTls());
            o.setUserName("somebody");
            MqttClient c = new MqttClient("ssl://127.0.0.1:" + broker.broker().port("ssl"), "no-cert",
                    new MemoryPersistence());
            assertThatThrownBy(() -> c.connect(o)).isInstanceOfSatisfying(MqttException.class,
                    e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
            c.close();
        }
    }
}
