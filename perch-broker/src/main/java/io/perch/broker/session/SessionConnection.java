package io.perch.broker.session;

/**
 * The live network side of a session, as the session sees it. Implementations may be called
 * from any thread and must hand the write to the connection's event loop in call order.
 */
public interface SessionConnection {
    /** Sends a PUBLISH (packet id 0 for QoS 0). Returns false when the client's maximum packet size forbids it. */
    boolean sendPublish(Pending pending, int packetId, boolean dup);

    /** False when the client's maximum packet size forbids this PUBLISH (checked before one is held back). */
    default boolean fits(Pending pending) {
        return true;
    }

    void sendPubrel(int packetId);

    /**
     * False while the socket's outbound buffer is above its high-water mark (a slow reader):
     * the session then queues instead of writing, and drains when told the socket is writable.
     */
    boolean isWritable();

    /** The client's Receive Maximum (v5) or 65535. */
    int receiveMaximum();

    /** Why the broker closes a connection; the protocol layer picks the reason code. */
    enum Close {
        /** Another connection took the session over (v5 0x8E). */
        TAKEN_OVER,
        /** An operator kicked the client (v5 0x98). */
        KICKED,
        /** The broker is stopping (v5 0x8B). */
        SHUTDOWN
    }

    /** Closes the connection, with a v5 DISCONNECT naming the reason. */
    void disconnect(Close why);
}
