package io.perch.bench.run;

/** When a run's subscribers are there, relative to publishing. */
public enum SubscriberJoin {
    /** Subscribed before publishing starts and until the end: live delivery (the default). */
    BEFORE,
    /**
     * Connect and subscribe only after every publish was acknowledged: they get the retained
     * messages only, one per topic (needs --retain and QoS 1 or 2).
     */
    AFTER,
    /**
     * Subscribe, disconnect, and come back (no SUBSCRIBE) after every publish was acknowledged:
     * the broker's persistent sessions queued the messages meanwhile (needs a non-clean session
     * and QoS 1 or 2).
     */
    AWAY
}
