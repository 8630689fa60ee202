package io.perch.broker.core;

import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;

/**
 * Wills are kept as the client sent them, a template: no message id yet, and its Message
 * Expiry Interval (seconds) in {@code expiresAt}, because both are fixed only when the will is
 * published (now, after its delay, or after a restart).
 */
public final class Wills {
    private Wills() {
    }

    /** The message to publish for a will template, stamped now. */
    public static Message publishable(Message template, MessageIdGenerator ids) {
        long now = System.currentTimeMillis();
        return new Message(ids.next(), template.topic(), template.payload(), template.qos(), template.retain(),
                template.from(), template.username(), now,
                template.expiresAt() == 0 ? 0 : now + template.expiresAt() * 1000, template.properties());
    }
}
