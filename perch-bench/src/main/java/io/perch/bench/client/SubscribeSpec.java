package io.perch.bench.client;

/**
 * What a subscribing client subscribes to: one filter ({@code %i}, {@code %c} expanded) at one QoS.
 *
 * @param resume the client comes back to a persistent session that holds the subscription: it sends no
 *               SUBSCRIBE, the CONNACK's session-present flag stands for the SUBACK, and what arrives was
 *               queued while it was away (no latency is recorded: that would be the time away)
 */
public record SubscribeSpec(String filterTemplate, int qos, boolean resume) {
    public SubscribeSpec(String filterTemplate, int qos) {
        this(filterTemplate, qos, false);
    }
}
