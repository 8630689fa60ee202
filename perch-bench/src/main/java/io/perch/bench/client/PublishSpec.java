package io.perch.bench.client;

/**
 * What a publishing client sends.
 *
 * @param topicTemplate topic with {@code %i} (client index) and {@code %c} (client id)
 * @param rate          messages per second; 0 saturates
 * @param count         messages in all; 0 until stopped
 * @param inflight      QoS 1/2 messages awaiting their ack at most
 * @param retain        every PUBLISH carries the RETAIN flag
 */
public record PublishSpec(String topicTemplate, int qos, int payloadSize, double rate, long count, int inflight,
                          boolean retain) {
}
