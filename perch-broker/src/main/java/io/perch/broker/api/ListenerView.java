package io.perch.broker.api;

/** A running listener: its bound address and current connection count. */
public record ListenerView(String name, String type, String host, int port, String path, int connections,
                           int maxConnections) {
}
