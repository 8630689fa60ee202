package io.perch.broker.api;

/** What {@link BrokerService#deliverBacklog} did with one message of a stored backlog. */
public enum BacklogDelivery {
    /** Sent or queued. */
    TAKEN,
    /** The session holds this message id already (queued, in flight, or acknowledged a moment ago). */
    DUPLICATE,
    /** Nothing done: the session's queue has no room to spare; offer it again once the client has read more. */
    NO_ROOM,
    /** Nothing done: the session or its subscription is gone; the rest of the backlog is not for it. */
    NO_SUBSCRIPTION
}
