package io.perch.broker.config;

/**
 * One listener. {@code type} is tcp, ssl, ws or wss; port 0 picks a free port (tests).
 * TLS listeners need {@code certFile} and {@code keyFile} (PEM); {@code caCertFile} with
 * {@code verifyPeer} asks clients for certificates.
 */
public record ListenerConfig(String name, String type, String host, int port, String wsPath,
                             String certFile, String keyFile, String caCertFile, boolean verifyPeer,
                             int maxConnections) {

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
