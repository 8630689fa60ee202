package io.perch.broker.testkit;

import io.perch.broker.Broker;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.config.ListenerConfig;

import java.util.List;
import java.util.function.Consumer;

/**
 * An in-process broker on free loopback ports (TCP and WebSocket) for tests. Close it in
 * {@code @AfterEach}/{@code @AfterAll}, or use try-with-resources.
 */
public final class BrokerFixture implements AutoCloseable {
    private final Broker broker;

    private BrokerFixture(Broker broker) {
        this.broker = broker;
    }

    public static BrokerFixture start() {
        return start(b -> { });
    }

    /** Starts with test defaults (fast $SYS off, loopback ports) adjusted by {@code tune}. */
    public static BrokerFixture start(Consumer<BrokerConfig.Builder> tune) {
        return start(tune, broker -> { });
    }

    /** As {@link #start(Consumer)}, with a chance to register hooks before listeners bind. */
    public static BrokerFixture start(Consumer<BrokerConfig.Builder> tune, Consumer<Broker> beforeStart) {
        return start(tune, beforeStart, io.perch.broker.persist.SessionPersistence.NONE);
    }

    /** As {@link #start(Consumer, Consumer)}, keeping sessions that outlive their connection in {@code persistence}. */
    public static BrokerFixture start(Consumer<BrokerConfig.Builder> tune, Consumer<Broker> beforeStart,
                                      io.perch.broker.persist.SessionPersistence persistence) {
        return start(tune, beforeStart, persistence, new io.perch.broker.retain.MemoryRetainedStore());
    }

    /** As {@link #start(Consumer, Consumer, io.perch.broker.persist.SessionPersistence)}, with {@code retained} as the retained store. */
    public static BrokerFixture start(Consumer<BrokerConfig.Builder> tune, Consumer<Broker> beforeStart,
                                      io.perch.broker.persist.SessionPersistence persistence,
                                      io.perch.broker.retain.RetainedStore retained) {
        return start(tune, beforeStart, persistence, retained, io.perch.broker.cluster.Cluster.NONE);
    }

    /** As above, as one node of {@code cluster} (a test's stand-in for the other nodes). */
    public static BrokerFixture start(Consumer<BrokerConfig.Builder> tune, Consumer<Broker> beforeStart,
                                      io.perch.broker.persist.SessionPersistence persistence,
                                      io.perch.broker.retain.RetainedStore retained,
                                      io.perch.broker.cluster.Cluster cluster) {
        return start(tune, beforeStart, persistence, retained, cluster, new io.perch.broker.session.MemorySessionStore());
    }

    /** As above, with {@code sessions} as where live sessions are kept (a test watches what goes in). */
    public static BrokerFixture start(Consumer<BrokerConfig.Builder> tune, Consumer<Broker> beforeStart,
                                      io.perch.broker.persist.SessionPersistence persistence,
                                      io.perch.broker.retain.RetainedStore retained,
                                      io.perch.broker.cluster.Cluster cluster,
                                      io.perch.broker.session.SessionStore sessions) {
        BrokerConfig.Builder b = BrokerConfig.builder()
                .nodeName("test@127.0.0.1")
                .listeners(List.of(ListenerConfig.tcp("127.0.0.1", 0), ListenerConfig.ws("127.0.0.1", 0, "/mqtt")))
                .sysInterval(java.time.Duration.ZERO)
                // Several loops even on a small machine, so the tests cross threads as a big broker does.
                .ioThreads(4);
        tune.accept(b);
        Broker broker = new Broker(b.build(), sessions, retained, persistence, cluster);
        beforeStart.accept(broker);
        broker.start();
        return new BrokerFixture(broker);
    }

    public Broker broker() {
        return broker;
    }

    public int tcpPort() {
        return broker.port("tcp");
    }

    public int wsPort() {
        return broker.port("ws");
    }

    /** {@code tcp://127.0.0.1:<port>} for Paho. */
    public String tcpUri() {
        return "tcp://127.0.0.1:" + tcpPort();
    }

    public String wsUri() {
        return "ws://127.0.0.1:" + wsPort() + "/mqtt";
    }

    @Override
    public void close() {
        broker.stop();
    }
}
