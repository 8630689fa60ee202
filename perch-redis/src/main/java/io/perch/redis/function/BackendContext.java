package io.perch.redis.function;

import io.perch.broker.api.BrokerService;
import io.perch.redis.codec.Compat;

import java.util.concurrent.Executor;

/**
 * What every function needs besides its pool: the broker, the write form, and the executor
 * that runs the broker-facing half of reads. One single thread, so that the messages of one
 * fetch reach {@code deliver} in publish order and no Redis I/O thread ever calls the broker.
 * {@code acknowledgeAfterWrite}: message.publish rules make the publisher's acknowledgement wait
 * for their writes ({@code persistence.ack} is not none).
 */
public record BackendContext(BrokerService broker, Compat compat, Executor brokerSide, boolean acknowledgeAfterWrite) {
    /** Rule writes the publisher's acknowledgement waits for ({@code persistence.ack} other than none). */
    public BackendContext(BrokerService broker, Compat compat, Executor brokerSide) {
        this(broker, compat, brokerSide, true);
    }

    public String node() {
        return broker.nodeName();
    }
}
