package io.perch.broker.hook.event;

/**
 * Who a client is, as hooks see it. Protocol version is the CONNECT level: 3 (MQTT 3.1),
 * 4 (3.1.1) or 5. {@code connectedAt} is epoch milliseconds. {@code certCommonName} and
 * {@code certSubject} (RFC 2253) come from a TLS client certificate the listener verified, or
 * are null (EMQ X's {@code %C} and {@code %d}).
 */
public record ClientInfo(String clientId, String username, String peerHost, int peerPort, int protocolVersion,
                         boolean cleanStart, int keepAlive, long connectedAt, String node, String listener,
                         String certCommonName, String certSubject) {

    /** A client without a verified certificate. */
    public ClientInfo(String clientId, String username, String peerHost, int peerPort, int protocolVersion,
                      boolean cleanStart, int keepAlive, long connectedAt, String node, String listener) {
        this(clientId, username, peerHost, peerPort, protocolVersion, cleanStart, keepAlive, connectedAt, node, listener,
                null, null);
    }

    /** A client info for work the broker does on its own behalf (REST publish, proxy subscriptions). */
    public static ClientInfo system(String clientId, String node) {
        return new ClientInfo(clientId, null, null, 0, 5, false, 0, System.currentTimeMillis(), node, "internal");
    }
}
