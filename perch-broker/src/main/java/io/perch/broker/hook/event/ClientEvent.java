package io.perch.broker.hook.event;

/** client.connected: the CONNACK with success has been sent. */
public record ClientEvent(ClientInfo client, boolean sessionPresent) {
}
