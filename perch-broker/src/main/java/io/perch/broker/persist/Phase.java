package io.perch.broker.persist;

/** Where an outbound message of a session stands. */
public enum Phase {
    /** Waiting in the session's queue: not sent on the current connection, no packet id. */
    QUEUED,
    /** PUBLISH sent with a packet id; waiting for PUBACK (QoS 1) or PUBREC (QoS 2). */
    SENT,
    /** QoS 2: PUBREC received and PUBREL sent; waiting for PUBCOMP. */
    RELEASED
}
