package io.perch.broker.protocol;

import io.perch.broker.message.Message;

/** A client's Last Will: the message to publish and the v5 Will Delay Interval in seconds. */
record WillMessage(Message message, long delaySeconds) {
}
