package io.perch.broker.hook.event;

/** client.disconnected: the connection is gone; {@code reason} is e.g. normal, keepalive_timeout, takenover, closed. */
public record DisconnectedEvent(ClientInfo client, String reason) {
}
