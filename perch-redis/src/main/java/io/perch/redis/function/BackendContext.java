package io.perch.redis.function;

import io.perch.broker.api.BrokerService;
import io.perch.redis.codec.Compat;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every function needs besides its pool: the broker, the write form, and the executor
 * that runs the broker-facing half of reads. One single thread, so that the messages of one
 * fetch reach {@code deliver} in publish order and no Redis I/O thread ever calls the broker.
 * {@code timer}: the plugin's timer, for waits that must not hold {@code brokerSide} (a stored
 * backlog waiting for its session to drain); what it runs hops back to {@code brokerSide}.
 * {@code acknowledgeAfterWrite}: message.publish rules make the publisher's acknowledgement wait
 * for their writes ({@code persistence.ack} is not none).
 */
public record BackendContext(BrokerService broker, Compat compat, Executor brokerSide, ScheduledExecutorService timer,
                             boolean acknowledgeAfterWrite) {

    public String node() {
        return broker.nodeName();
    }
}
