package io.perch.broker.hook.event;

import io.perch.broker.message.Message;

/**
 * message.publish, before routing. A callback may return a replacement event with another
 * message (rewrite) or with {@code allowed = false} (drop: not routed, publisher still acked).
 * {@code publisher} is null for messages the broker publishes itself ($SYS, REST API).
 */
public record PublishEvent(ClientInfo publisher, Message message, boolean allowed) {
    public PublishEvent withMessage(Message m) {
        return new PublishEvent(publisher, m, allowed);
    }

    public PublishEvent drop() {
        return new PublishEvent(publisher, message, false);
    }
}
