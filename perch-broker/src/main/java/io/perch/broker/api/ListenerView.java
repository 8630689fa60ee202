package io.perch.broker.api;

/**
 * A running listener: its bound address, current connection count and limits.
 *
 * @param verifyPeer   whether a TLS listener asks clients for a certificate and verifies it
 * @param maxConnPerIp connections one address may hold; 0: no limit
 * @param maxConnRate  new connections per second the listener takes; 0: no limit
 */
public record ListenerView(String name, String type, String host, int port, String path, int connections,
                           int maxConnections, boolean verifyPeer, int maxConnPerIp, int maxConnRate) {

    /** Without TLS client verification or per-address and rate limits. */
    public ListenerView(String name, String type, String host, int port, String path, int connections,
                        int maxConnections) {
        this(name, type, host, port, path, connections, maxConnections, false, 0, 0);
    }
}
