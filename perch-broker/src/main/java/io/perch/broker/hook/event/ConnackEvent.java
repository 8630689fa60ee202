package io.perch.broker.hook.event;

/** client.connack: the broker is about to answer CONNECT with this MQTT 5 reason code (0 = success). */
public record ConnackEvent(ClientInfo client, int reasonCode) {
}
