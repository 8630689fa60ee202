package io.perch.bench.client;

/**
 * How every client of a run connects: the broker address, transport and MQTT CONNECT fields.
 *
 * @param mqttVersion   4 (MQTT 3.1.1) or 5
 * @param webSocket     MQTT over WebSocket at {@code wsPath} (subprotocol "mqtt")
 * @param tls           TLS trusting any certificate: benches run against self-signed brokers
 * @param sessionExpiry MQTT 5 Session Expiry Interval in seconds; -1 leaves it out
 * @param keepAlive     seconds; a PINGREQ goes out after 3/4 of it without a write
 */
public record ClientSettings(String host, int port, int mqttVersion, boolean webSocket, String wsPath,
                             boolean tls, boolean cleanStart, long sessionExpiry, String username,
                             String password, int keepAlive, String clientIdPrefix) {

    public ClientSettings {
        if (mqttVersion != 4 && mqttVersion != 5) {
            throw new IllegalArgumentException("MQTT version must be 4 (3.1.1) or 5, not " + mqttVersion);
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("bad port " + port);
        }
    }

    public static ClientSettings plain(String host, int port) {
        return new ClientSettings(host, port, 4, false, "/mqtt", false, true, -1, null, null, 300,
                "perch-bench-" + ProcessHandle.current().pid());
    }

    public ClientSettings withVersion(int v) {
        return new ClientSettings(host, port, v, webSocket, wsPath, tls, cleanStart, sessionExpiry, username,
                password, keepAlive, clientIdPrefix);
    }

    public ClientSettings withWebSocket(boolean ws) {
        return new ClientSettings(host, port, mqttVersion, ws, wsPath, tls, cleanStart, sessionExpiry, username,
                password, keepAlive, clientIdPrefix);
    }

    public ClientSettings withTls(boolean on) {
        return new ClientSettings(host, port, mqttVersion, webSocket, wsPath, on, cleanStart, sessionExpiry,
                username, password, keepAlive, clientIdPrefix);
    }

    public ClientSettings withSession(boolean clean, long expiry) {
        return new ClientSettings(host, port, mqttVersion, webSocket, wsPath, tls, clean, expiry, username,
                password, keepAlive, clientIdPrefix);
    }

    public ClientSettings withCredentials(String user, String pass) {
        return new ClientSettings(host, port, mqttVersion, webSocket, wsPath, tls, cleanStart, sessionExpiry,
                user, pass, keepAlive, clientIdPrefix);
    }

    public ClientSettings withClientIdPrefix(String prefix) {
        return new ClientSettings(host, port, mqttVersion, webSocket, wsPath, tls, cleanStart, sessionExpiry,
                username, password, keepAlive, prefix);
    }
}
