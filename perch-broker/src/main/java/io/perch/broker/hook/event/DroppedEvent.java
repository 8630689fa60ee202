package io.perch.broker.hook.event;

import io.perch.broker.message.Message;

/** message.dropped: no subscriber, queue full, expired, denied by ACL, too large... {@code clientId} may be null. */
public record DroppedEvent(Message message, String clientId, String reason) {
}
