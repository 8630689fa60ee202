package io.perch.broker.api;

/**
 * A snapshot of one session/client for operators (REST, CLI, dashboard). Times are epoch
 * milliseconds; {@code disconnectedAt} is 0 while connected. {@code createdAt} is when the
 * session was created (kept while a persistent session is resumed by later connections),
 * {@code connectedAt} when its current (or last) connection was made.
 */
public record ClientView(String clientId, String username, String peerHost, int peerPort, int protocolVersion,
                         String listener, boolean connected, long connectedAt, long disconnectedAt,
                         boolean cleanStart, int keepAlive, long expiryIntervalSeconds, int subscriptions,
                         int inflight, int maxInflight, int mqueueLen, int maxMqueueLen, long mqueueDropped,
                         int awaitingRel, long messagesIn, long messagesOut, long createdAt) {
}
