package io.perch.broker.api;

/** A topic filter with subscribers on this node, as EMQ X's routes table shows it. */
public record RouteView(String topic, String node, int subscribers) {
}
