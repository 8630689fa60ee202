package io.perch.broker.hook.event;

import io.perch.broker.message.Message;
import io.perch.broker.persist.DurableWrites;

/**
 * message.publish, before routing. A callback may return a replacement event with another
 * message (rewrite) or with {@code allowed = false} (drop: not routed, publisher still acked).
 * {@code publisher} is null for messages the broker publishes itself ($SYS, REST API).
 *
 * <p>A callback that stores the message (the Redis backend's rules) adds its write to
 * {@code writes} and completes at once: routing goes on, and the publisher's acknowledgement
 * waits for the write with those of the stored sessions the message is routed to.
 */
public record PublishEvent(ClientInfo publisher, Message message, boolean allowed, DurableWrites writes) {
    public PublishEvent(ClientInfo publisher, Message message, boolean allowed) {
        this(publisher, message, allowed, new DurableWrites());
    }

    public PublishEvent withMessage(Message m) {
        return new PublishEvent(publisher, m, allowed, writes);
    }

    public PublishEvent drop() {
        return new PublishEvent(publisher, message, false, writes);
    }
}
