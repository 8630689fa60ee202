package io.perch.broker.session;

/** An outbound QoS 1/2 message sent and not yet completed. {@code released}: PUBREC seen, PUBREL sent. */
final class InflightEntry {
    final Pending pending;
    boolean released;
    long sentAt;

    InflightEntry(Pending pending, long sentAt) {
        this.pending = pending;
        this.sentAt = sentAt;
    }
}
