package io.perch.broker.session;

/**
 * The live network side of a session, as the session sees it. Implementations may be called
 * from any thread and must hand the write to the connection's event loop in call order.
 */
public interface SessionConnection {
    /** Sends a PUBLISH (packet id 0 for QoS 0). Returns false when the client's maximum packet size forbids it. */
    boolean sendPublish(Pending pending, int packetId, boolean dup);

    void sendPubrel(int packetId);

    /**
     * False while the socket's outbound buffer is above its high-water mark (a slow reader):
     * the session then queues instead of writing, and drains when told the socket is writable.
     */
    boolean isWritable();

    /** The client's Receive Maximum (v5) or 65535. */
    int receiveMaximum();

    /** Closes the connection, with a v5 DISCONNECT reason code when the protocol has one. */
    void disconnect(int reasonCode);
}
