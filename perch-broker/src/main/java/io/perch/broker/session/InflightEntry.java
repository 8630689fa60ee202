package io.perch.broker.session;

/**
 * An outbound QoS 1/2 message sent and not yet completed. {@code released}: PUBREC seen, PUBREL
 * sent. {@code heldBack}: after a reconnect, its resend waits for send quota (the new
 * connection's Receive Maximum is smaller than what is in flight).
 */
final class InflightEntry {
    Pending pending; // replaced only to give it a seq when the session starts to be stored
    boolean released;
    /**
     * The store's write of the released state while it is not yet durable, else null: every
     * PUBREL waits for it, because a client that got PUBREL may deliver the message, and a
     * crash before the write would resend the PUBLISH (MQTT-4.3.3: never after PUBREC).
     */
    java.util.concurrent.CompletableFuture<Void> releaseWrite;
    /**
     * A QoS 2 entry's write of its packet id ({@code SENT}) while it is not yet known durable,
     * else null: its PUBLISH waits for it ({@link HeldPublishes}). Failed: written again before
     * the next resend.
     */
    java.util.concurrent.CompletableFuture<Void> sentWrite;
    boolean heldBack;
    /**
     * Its PUBLISH has been handed to a connection at least once (on this process or, for an
     * entry restored from the store, maybe on an earlier one): only then can the client hold
     * its packet id, so only then does an acknowledgement with that id mean this message.
     */
    boolean published;
    long sentAt;

    /** True while its first PUBLISH may still be held for the store: nothing to retry yet. */
    boolean writePending() {
        return sentWrite != null && !sentWrite.isDone();
    }

    InflightEntry(Pending pending, long sentAt) {
        this.pending = pending;
        this.sentAt = sentAt;
    }
}
