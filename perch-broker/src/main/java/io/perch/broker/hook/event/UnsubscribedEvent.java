package io.perch.broker.hook.event;

/** session.unsubscribed: a subscription was removed. */
public record UnsubscribedEvent(ClientInfo client, String filter) {
}
