package io.perch.server.config;

import io.perch.broker.config.ListenerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ListenerKeysTest {
    @TempDir
    Path home;

    private PerchConfig bind(String... kv) {
        List<ConfigEntry> entries = new ArrayList<>();
        for (int i = 0; i < kv.length; i++) {
            String[] p = kv[i].split(" = ", 2);
            entries.add(new ConfigEntry(p[0], p[1], "etc/perch.conf", i + 1));
        }
        return new PerchConfigLoader(home, List.of()).bind(entries);
    }

    private List<ListenerConfig> listeners(String... kv) {
        return bind(kv).broker().listeners;
    }

    @Test
    void defaultsAreTcpAndWebSocketOnAllInterfaces() {
        assertThat(listeners()).containsExactly(
                new ListenerConfig("tcp:external", "tcp", "0.0.0.0", 1883, null, null, null, null, false, 1_024_000),
                new ListenerConfig("ws:external", "ws", "0.0.0.0", 8083, "/mqtt", null, null, null, false, 1_024_000));
    }

    @Test
    void addressFormsAndOff() {
        List<ListenerConfig> l = listeners(
                "listener.tcp.external = 127.0.0.1:0",
                "listener.ws.external = 9083",
                "listener.ws.external.mqtt_path = /ws",
                "listener.ws.external.max_connections = 10");
        assertThat(l).extracting(ListenerConfig::type, ListenerConfig::host, ListenerConfig::port, ListenerConfig::wsPath,
                        ListenerConfig::maxConnections)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("tcp", "127.0.0.1", 0, null, 1_024_000),
                        org.assertj.core.groups.Tuple.tuple("ws", "0.0.0.0", 9083, "/ws", 10));

        assertThat(listeners("listener.tcp.external = [::1]:1884", "listener.ws.external = off"))
                .singleElement()
                .satisfies(t -> {
                    assertThat(t.host()).isEqualTo("::1");
                    assertThat(t.port()).isEqualTo(1884);
                });
    }

    @Test
    void badAddressesNameTheLine() {
        assertThatThrownBy(() -> listeners("node.name = a@b", "listener.tcp.external = localhost"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf:2: listener.tcp.external = localhost: expected host:port (e.g. 0.0.0.0:1883), a port, or off");
        assertThatThrownBy(() -> listeners("listener.tcp.external = 0.0.0.0:70000"))
                .hasMessage("etc/perch.conf:1: listener.tcp.external = 0.0.0.0:70000: port must be from 0 to 65535 (0 picks a free port)");
        assertThatThrownBy(() -> listeners("listener.ws.external = ::1:8083"))
                .hasMessageEndingWith("write IPv6 hosts as [::1]:port");
        assertThatThrownBy(() -> listeners("listener.ws.external = :8083"))
                .hasMessageStartingWith("etc/perch.conf:1: listener.ws.external = :8083: expected host:port");
        assertThatThrownBy(() -> listeners("listener.ws.external.mqtt_path = mqtt"))
                .hasMessage("etc/perch.conf:1: listener.ws.external.mqtt_path = mqtt: expected a URL path starting with /, e.g. /mqtt");
        assertThatThrownBy(() -> listeners("listener.tcp.external.max_connections = 0"))
                .hasMessageStartingWith("etc/perch.conf:1: listener.tcp.external.max_connections = 0: expected a whole number from 1");
        assertThatThrownBy(() -> listeners("listener.ws.external.max_conn_rate = -1"))
                .hasMessageStartingWith("etc/perch.conf:1: listener.ws.external.max_conn_rate = -1: expected a whole number from 0");
    }

    @Test
    void perAddressAndRateLimitsAreReadPerListener() {
        List<ListenerConfig> l = listeners("listener.tcp.external.max_conn_per_ip = 20",
                "listener.tcp.external.max_conn_rate = 500", "listener.ws.external.max_conn_rate = 50");
        assertThat(l).extracting(ListenerConfig::maxConnPerIp, ListenerConfig::maxConnRate)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(20, 500), org.assertj.core.groups.Tuple.tuple(0, 50));
    }

    @Test
    void webSocketPiggybackIsMultipleUnlessSetToSingle() {
        assertThat(listeners("listener.ws.external.mqtt_piggyback = single"))
                .extracting(ListenerConfig::type, ListenerConfig::wsPiggyback)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("tcp", true), org.assertj.core.groups.Tuple.tuple("ws", false));
        assertThat(listeners("listener.ws.external.mqtt_piggyback = multiple"))
                .extracting(ListenerConfig::wsPiggyback).containsExactly(true, true);
        assertThatThrownBy(() -> listeners("listener.ws.external.mqtt_piggyback = many"))
                .hasMessage("etc/perch.conf:1: listener.ws.external.mqtt_piggyback = many: expected multiple or single");
        assertThatThrownBy(() -> listeners("listener.tcp.external.mqtt_piggyback = single"))
                .hasMessageStartingWith("etc/perch.conf:1: unknown key 'listener.tcp.external.mqtt_piggyback'");
    }

    @Test
    void optionsOfOtherTypesAreUnknownKeys() {
        assertThatThrownBy(() -> listeners("listener.tcp.external.mqtt_path = /mqtt"))
                .hasMessage("etc/perch.conf:1: unknown key 'listener.tcp.external.mqtt_path' (did you mean 'listener.ws.external.mqtt_path'?)");
        assertThatThrownBy(() -> listeners("listener.tcp.internal = 11883"))
                .hasMessageStartingWith("etc/perch.conf:1: unknown key 'listener.tcp.internal'");
    }

    @Test
    void tlsListenersStartOnlyWithCertificateAndKey() throws Exception {
        Files.createDirectories(home.resolve("etc/certs"));
        for (String f : List.of("cert.pem", "key.pem", "ca.pem")) {
            Files.writeString(home.resolve("etc/certs/" + f), "pem");
        }
        PerchConfig c = bind(
                "listener.ssl.external = 127.0.0.1:0",
                "listener.ssl.external.certfile = etc/certs/cert.pem",
                "listener.ssl.external.keyfile = etc/certs/key.pem",
                "listener.ssl.external.cacertfile = etc/certs/ca.pem",
                "listener.ssl.external.verify = verify_peer",
                "listener.wss.external = 0");

        assertThat(c.broker().listeners).filteredOn(ListenerConfig::isTls).singleElement().isEqualTo(
                new ListenerConfig("ssl:external", "ssl", "127.0.0.1", 0, null,
                        home.resolve("etc/certs/cert.pem").toString(), home.resolve("etc/certs/key.pem").toString(),
                        home.resolve("etc/certs/ca.pem").toString(), true, 1_024_000));
        assertThat(c.notices()).containsExactly(
                "wss listener on port 0 not started: set listener.wss.external.certfile and .keyfile to enable it");
    }

    @Test
    void wssTakesPathAndCertificates() throws Exception {
        Path cert = Files.writeString(home.resolve("c.pem"), "pem");
        Path key = Files.writeString(home.resolve("k.pem"), "pem");
        List<ListenerConfig> l = listeners(
                "listener.wss.external = 8085",
                "listener.wss.external.mqtt_path = /secure",
                "listener.wss.external.certfile = " + cert,
                "listener.wss.external.keyfile = " + key,
                "listener.wss.external.verify = verify_none");
        assertThat(l).filteredOn(t -> t.type().equals("wss")).singleElement().satisfies(t -> {
            assertThat(t.wsPath()).isEqualTo("/secure");
            assertThat(t.certFile()).isEqualTo(cert.toString());
            assertThat(t.verifyPeer()).isFalse();
        });
    }

    @Test
    void halfConfiguredTlsIsAnError() throws Exception {
        Files.writeString(home.resolve("c.pem"), "pem");
        assertThatThrownBy(() -> listeners("node.name = a@b", "listener.ssl.external.certfile = c.pem"))
                .hasMessage("etc/perch.conf:2: listener.ssl.external.certfile = c.pem: a TLS listener needs both certfile"
                        + " and keyfile; set listener.ssl.external.keyfile too");
        assertThatThrownBy(() -> listeners("listener.ssl.external.certfile = c.pem",
                "listener.ssl.external.keyfile = missing.pem"))
                .hasMessage("etc/perch.conf:2: listener.ssl.external.keyfile = missing.pem: no such file: "
                        + home.resolve("missing.pem"));
        assertThatThrownBy(() -> listeners("listener.ssl.external.certfile = c.pem",
                "listener.ssl.external.keyfile = c.pem", "listener.ssl.external.verify = verify_peer"))
                .hasMessage("etc/perch.conf:3: listener.ssl.external.verify = verify_peer: verify_peer checks client"
                        + " certificates against listener.ssl.external.cacertfile; set it too");
        assertThatThrownBy(() -> listeners("listener.ssl.external.verify = verify_all"))
                .hasMessage("etc/perch.conf:1: listener.ssl.external.verify = verify_all: expected verify_peer or verify_none");
    }

    @Test
    void peerCertificateAsUsernameOrClientIdNeedsVerifyPeer() throws Exception {
        Files.writeString(home.resolve("c.pem"), "pem");
        List<ListenerConfig> l = listeners("listener.ssl.external.certfile = c.pem",
                "listener.ssl.external.keyfile = c.pem", "listener.ssl.external.cacertfile = c.pem",
                "listener.ssl.external.verify = verify_peer", "listener.ssl.external.peer_cert_as_username = cn",
                "listener.ssl.external.peer_cert_as_clientid = dn");
        assertThat(l).filteredOn(ListenerConfig::isTls).singleElement().satisfies(t -> {
            assertThat(t.peerCertAsUsername()).isEqualTo("cn");
            assertThat(t.peerCertAsClientId()).isEqualTo("dn");
        });
        assertThatThrownBy(() -> listeners("listener.wss.external.certfile = c.pem",
                "listener.wss.external.keyfile = c.pem", "listener.wss.external.peer_cert_as_username = cn"))
                .hasMessage("etc/perch.conf:3: listener.wss.external.peer_cert_as_username = cn: takes the name from a"
                        + " verified client certificate; set listener.wss.external.verify = verify_peer (and .cacertfile)"
                        + " too");
        assertThatThrownBy(() -> listeners("listener.ssl.external.peer_cert_as_clientid = subject"))
                .hasMessage("etc/perch.conf:1: listener.ssl.external.peer_cert_as_clientid = subject: expected cn or dn");
    }

    @Test
    void tlsSettingsOfAListenerThatIsOffAreNotChecked() {
        assertThat(listeners("listener.ssl.external = off", "listener.ssl.external.certfile = nowhere.pem"))
                .noneMatch(ListenerConfig::isTls);
    }
}
