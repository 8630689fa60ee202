package io.perch.broker.hook.event;

import io.perch.broker.message.Message;

/**
 * message.delivered (sent to a subscriber) and message.acked (the subscriber's PUBACK for QoS 1,
 * PUBREC for QoS 2). {@code message} is the original message, with its original id and topic.
 */
public record DeliveryEvent(ClientInfo subscriber, Message message) {
}
