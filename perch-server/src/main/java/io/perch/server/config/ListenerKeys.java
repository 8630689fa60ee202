package io.perch.server.config;

import io.perch.broker.config.ListenerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code listener.<type>.external} and its options, for the four types tcp, ssl, ws, wss.
 * The address is {@code host:port}, {@code [ipv6]:port}, a bare port (all interfaces) or
 * {@code off}. TLS listeners start only when both certfile and keyfile are set: the default
 * config names their ports with the cert lines commented out, so a fresh install runs plain
 * TCP and WebSocket and says in the log why SSL/WSS did not start.
 */
final class ListenerKeys {
    static final List<String> TYPES = List.of("tcp", "ssl", "ws", "wss");
    private static final Map<String, Integer> DEFAULT_PORTS = Map.of("tcp", 1883, "ssl", 8883, "ws", 8083, "wss", 8084);
    private static final int DEFAULT_MAX_CONNECTIONS = 1_024_000;

    /** Every listener key, for ownership checks and "did you mean". */
    static final Set<String> KEYS = keys();

    private ListenerKeys() {
    }

    private static Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        for (String type : TYPES) {
            String base = base(type);
            keys.add(base);
            keys.add(base + ".max_connections");
            keys.add(base + ".max_conn_per_ip");
            keys.add(base + ".max_conn_rate");
            if (type.startsWith("ws")) {
                keys.add(base + ".mqtt_path");
                keys.add(base + ".mqtt_piggyback");
            }
            if (isTls(type)) {
                for (String o : List.of("keyfile", "certfile", "cacertfile", "verify", "peer_cert_as_username",
                        "peer_cert_as_clientid")) {
                    keys.add(base + "." + o);
                }
            }
        }
        return Collections.unmodifiableSet(keys);
    }

    /** Result of binding: the listeners to start and why configured ones will not. */
    record Bound(List<ListenerConfig> listeners, List<String> notices) {
    }

    /** One listener being assembled from its keys; {@code port} is null when off. */
    private static final class Draft {
        final String type;
        String host = "0.0.0.0";
        Integer port;
        String path = "/mqtt";
        boolean piggyback = true;
        ConfigEntry certFile;
        ConfigEntry keyFile;
        ConfigEntry caCertFile;
        ConfigEntry verify;
        boolean verifyPeer;
        ConfigEntry peerCertAsUsername;
        ConfigEntry peerCertAsClientId;
        int maxConnections = DEFAULT_MAX_CONNECTIONS;
        int maxConnPerIp;
        int maxConnRate;

        Draft(String type) {
            this.type = type;
            this.port = DEFAULT_PORTS.get(type);
        }
    }

    /** Binds the {@code listener.*} entries (already merged: one per key); relative files resolve against {@code home}. */
    static Bound bind(List<ConfigEntry> entries, Path home) {
        Map<String, Draft> drafts = new LinkedHashMap<>();
        for (String type : TYPES) {
            drafts.put(type, new Draft(type));
        }
        for (ConfigEntry e : entries) {
            String type = e.key().split("\\.")[1];
            Draft d = drafts.get(type);
            String option = e.key().substring(base(type).length());
            switch (option) {
                case "" -> address(e, d);
                case ".max_connections" -> d.maxConnections = ConfigValues.integer(e, 1, Integer.MAX_VALUE);
                case ".max_conn_per_ip" -> d.maxConnPerIp = ConfigValues.integer(e, 0, Integer.MAX_VALUE);
                case ".max_conn_rate" -> d.maxConnRate = ConfigValues.integer(e, 0, Integer.MAX_VALUE);
                case ".mqtt_path" -> d.path = wsPath(e);
                case ".mqtt_piggyback" -> d.piggyback = ConfigValues.choice(e, "multiple", "single").equals("multiple");
                case ".certfile" -> d.certFile = e;
                case ".keyfile" -> d.keyFile = e;
                case ".cacertfile" -> d.caCertFile = e;
                case ".verify" -> {
                    d.verify = e;
                    d.verifyPeer = ConfigValues.choice(e, "verify_peer", "verify_none").equals("verify_peer");
                }
                case ".peer_cert_as_username" -> d.peerCertAsUsername = peerCertField(e);
                case ".peer_cert_as_clientid" -> d.peerCertAsClientId = peerCertField(e);
                default -> throw new IllegalStateException("unrouted listener key " + e.key());
            }
        }
        List<ListenerConfig> listeners = new ArrayList<>();
        List<String> notices = new ArrayList<>();
        for (Draft d : drafts.values()) {
            if (d.port == null) {
                continue;
            }
            if (isTls(d.type)) {
                if (d.certFile == null && d.keyFile == null) {
                    notices.add(d.type + " listener on port " + d.port + " not started: set " + base(d.type)
                            + ".certfile and .keyfile to enable it");
                    continue;
                }
                if (d.certFile == null || d.keyFile == null) {
                    ConfigEntry given = d.certFile != null ? d.certFile : d.keyFile;
                    String missing = d.certFile == null ? ".certfile" : ".keyfile";
                    throw new ConfigException(given, "a TLS listener needs both certfile and keyfile; set "
                            + base(d.type) + missing + " too");
                }
                for (ConfigEntry peer : new ConfigEntry[] {d.peerCertAsUsername, d.peerCertAsClientId}) {
                    if (peer != null && !d.verifyPeer) {
                        throw new ConfigException(peer, "takes the name from a verified client certificate; set "
                                + base(d.type) + ".verify = verify_peer (and .cacertfile) too");
                    }
                }
                if (d.verifyPeer && d.caCertFile == null) {
                    throw new ConfigException(d.verify, "verify_peer checks client certificates against "
                            + base(d.type) + ".cacertfile; set it too");
                }
            }
            listeners.add(new ListenerConfig(d.type + ":external", d.type, d.host, d.port,
                    d.type.startsWith("ws") ? d.path : null,
                    file(d.certFile, home), file(d.keyFile, home), file(d.caCertFile, home),
                    d.verifyPeer, d.maxConnections, value(d.peerCertAsUsername), value(d.peerCertAsClientId),
                    d.maxConnPerIp, d.maxConnRate, d.piggyback));
        }
        return new Bound(listeners, notices);
    }

    private static void address(ConfigEntry e, Draft d) {
        String v = e.value();
        if (v.equals("off")) {
            d.port = null;
            return;
        }
        String expected = "expected host:port (e.g. 0.0.0.0:" + DEFAULT_PORTS.get(d.type) + "), a port, or off";
        String host = "0.0.0.0";
        String port = v;
        int colon = v.lastIndexOf(':');
        if (colon >= 0) {
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new ConfigException(e, expected + "; write IPv6 hosts as [::1]:port");
            }
            if (host.isEmpty()) {
                throw new ConfigException(e, expected);
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException ex) {
            throw new ConfigException(e, expected);
        }
        if (p < 0 || p > 65535) {
            throw new ConfigException(e, "port must be from 0 to 65535 (0 picks a free port)");
        }
        d.host = host;
        d.port = p;
    }

    private static ConfigEntry peerCertField(ConfigEntry e) {
        ConfigValues.choice(e, ListenerConfig.CN, ListenerConfig.DN);
        return e;
    }

    private static String value(ConfigEntry e) {
        return e == null ? null : e.value().trim();
    }

    private static String wsPath(ConfigEntry e) {
        if (!e.value().startsWith("/") || e.value().chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigException(e, "expected a URL path starting with /, e.g. /mqtt");
        }
        return e.value();
    }

    private static String file(ConfigEntry e, Path home) {
        if (e == null) {
            return null;
        }
        Path p = home.resolve(ConfigValues.text(e)).normalize();
        if (!Files.isRegularFile(p)) {
            throw new ConfigException(e, "no such file: " + p);
        }
        return p.toString();
    }

    private static boolean isTls(String type) {
        return type.equals("ssl") || type.equals("wss");
    }

    private static String base(String type) {
        return "listener." + type + ".external";
    }
}
