package io.perch.bench.client;

/** What a subscribing client subscribes to: one filter ({@code %i}, {@code %c} expanded) at one QoS. */
public record SubscribeSpec(String filterTemplate, int qos) {
}
