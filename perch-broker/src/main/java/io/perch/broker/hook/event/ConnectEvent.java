package io.perch.broker.hook.event;

/** client.connect: a CONNECT arrived and passed protocol checks, before authentication. */
public record ConnectEvent(ClientInfo client) {
}
