package io.perch.broker.hook.event;

/** session.created / resumed / discarded / takenover / terminated; {@code reason} for terminated (e.g. expired, kicked). */
public record SessionEvent(ClientInfo client, String reason) {
}
