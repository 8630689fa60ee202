package io.perch.broker.hook.event;

import io.perch.broker.message.SubscriptionOptions;

/**
 * session.subscribed: a subscription was added (by a client's SUBSCRIBE or a proxy
 * subscription). {@code filter} is the filter without any {@code $share/group/} prefix;
 * {@code isNew} is false when it replaced an existing subscription of the session.
 */
public record SubscribedEvent(ClientInfo client, String filter, SubscriptionOptions options, boolean isNew) {
}
