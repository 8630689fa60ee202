package io.perch.bench.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Totals shared by all clients of one run. Event loops add to them (LongAdder cells keep the
 * threads off each other's cache lines); the progress printer and the final report read them.
 */
public final class Counters {
    /** PUBLISH packets written by publishers. */
    public final LongAdder sent = new LongAdder();
    /** PUBACK (QoS 1) or PUBCOMP (QoS 2) received by publishers: the window slot is free again. */
    public final LongAdder acked = new LongAdder();
    /** PUBLISH packets received by subscribers, duplicates included. */
    public final LongAdder delivered = new LongAdder();
    /** Received messages whose (publisher, sequence) had been received already by that subscriber. */
    public final LongAdder duplicates = new LongAdder();
    /** Received messages that arrived after a higher sequence from the same publisher. */
    public final LongAdder outOfOrder = new LongAdder();
    /** Received payloads without a bench stamp (another tool publishing on the topic). */
    public final LongAdder foreign = new LongAdder();
    /** Connections that closed before the run ended them. */
    public final LongAdder dropped = new LongAdder();
    /** Publishes the broker rejected (MQTT 5 reason code >= 0x80 in PUBACK/PUBREC). */
    public final LongAdder rejected = new LongAdder();

    public long uniqueDelivered() {
        return delivered.sum() - duplicates.sum();
    }
}
