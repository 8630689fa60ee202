package io.perch.broker.config;

/**
 * One listener. {@code type} is tcp, ssl, ws or wss; port 0 picks a free port (tests).
 * TLS listeners need {@code certFile} and {@code keyFile} (PEM); {@code caCertFile} with
 * {@code verifyPeer} asks clients for certificates. {@code peerCertAsUsername} and
 * {@code peerCertAsClientId} ({@code cn}, {@code dn} or null) make the verified client
 * certificate's subject common name or whole RFC 2253 distinguished name the client's username
 * or client id, replacing what CONNECT says, before authentication (EMQ X's
 * {@code peer_cert_as_username} / {@code peer_cert_as_clientid}). {@code maxConnPerIp} and
 * {@code maxConnRate} (new connections per second) bound what one address and everyone
 * together may open; 0 means no limit. {@code wsPiggyback} (WebSocket listeners; EMQ X's
 * {@code mqtt_piggyback = multiple}) lets one frame carry the packets written between two
 * flushes; false sends each packet in a frame of its own.
 */
public record ListenerConfig(String name, String type, String host, int port, String wsPath,
                             String certFile, String keyFile, String caCertFile, boolean verifyPeer,
                             int maxConnections, String peerCertAsUsername, String peerCertAsClientId,
                             int maxConnPerIp, int maxConnRate, boolean wsPiggyback) {

    /** The certificate field a peer identity is taken from. */
    public static final String CN = "cn";
    public static final String DN = "dn";

    /** A listener that takes no identity from client certificates. */
    public ListenerConfig(String name, String type, String host, int port, String wsPath,
                          String certFile, String keyFile, String caCertFile, boolean verifyPeer,
                          int maxConnections) {
        this(name, type, host, port, wsPath, certFile, keyFile, caCertFile, verifyPeer, maxConnections, null, null);
    }

    /** A listener without per-address or rate limits. */
    public ListenerConfig(String name, String type, String host, int port, String wsPath,
                          String certFile, String keyFile, String caCertFile, boolean verifyPeer,
                          int maxConnections, String peerCertAsUsername, String peerCertAsClientId) {
        this(name, type, host, port, wsPath, certFile, keyFile, caCertFile, verifyPeer, maxConnections,
                peerCertAsUsername, peerCertAsClientId, 0, 0);
    }

    /** A listener with the limits given and several packets per WebSocket frame. */
    public ListenerConfig(String name, String type, String host, int port, String wsPath,
                          String certFile, String keyFile, String caCertFile, boolean verifyPeer,
                          int maxConnections, String peerCertAsUsername, String peerCertAsClientId,
                          int maxConnPerIp, int maxConnRate) {
        this(name, type, host, port, wsPath, certFile, keyFile, caCertFile, verifyPeer, maxConnections,
                peerCertAsUsername, peerCertAsClientId, maxConnPerIp, maxConnRate, true);
    }

    /** This listener with the per-address and rate limits given (0: none). */
    public ListenerConfig withLimits(int perIp, int ratePerSecond) {
        return new ListenerConfig(name, type, host, port, wsPath, certFile, keyFile, caCertFile, verifyPeer,
                maxConnections, peerCertAsUsername, peerCertAsClientId, perIp, ratePerSecond, wsPiggyback);
    }

    /** This listener with one packet per WebSocket frame ({@code false}) or several ({@code true}). */
    public ListenerConfig withPiggyback(boolean multiple) {
        return new ListenerConfig(name, type, host, port, wsPath, certFile, keyFile, caCertFile, verifyPeer,
                maxConnections, peerCertAsUsername, peerCertAsClientId, maxConnPerIp, maxConnRate, multiple);
    }

    public ListenerConfig {
        if (maxConnPerIp < 0 || maxConnRate < 0) {
            throw new IllegalArgumentException("connection limits are 0 (none) or more");
        }
        for (String v : new String[] {peerCertAsUsername, peerCertAsClientId}) {
            if (v != null && !v.equals(CN) && !v.equals(DN)) {
                throw new IllegalArgumentException("peer certificate field must be cn or dn, not " + v);
            }
        }
    }

    public static ListenerConfig tcp(String host, int port) {
        return new ListenerConfig("tcp:external", "tcp", host, port, null, null, null, null, false, 1_024_000);
    }

    public static ListenerConfig ws(String host, int port, String path) {
        return new ListenerConfig("ws:external", "ws", host, port, path, null, null, null, false, 1_024_000);
    }

    public boolean isTls() {
        return type.equals("ssl") || type.equals("wss");
    }

    public boolean isWebSocket() {
        return type.equals("ws") || type.equals("wss");
    }
}
