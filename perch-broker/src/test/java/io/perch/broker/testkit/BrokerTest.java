package io.perch.broker.testkit;

import io.perch.broker.Broker;
import io.perch.broker.config.BrokerConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;

import java.time.Duration;

import java.util.function.Consumer;

/**
 * Base of the integration tests: one broker per test (started by the test with the settings
 * it needs) and the clients made through {@link #clients}, all closed after each test.
 */
public abstract class BrokerTest {
    static {
        // Conditions are checked often so that tests take as long as the broker does, not the poller.
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }

    protected BrokerFixture broker;
    protected Clients clients;

    protected BrokerFixture start() {
        return start(b -> { });
    }

    protected BrokerFixture start(Consumer<BrokerConfig.Builder> tune) {
        return start(tune, b -> { });
    }

    protected BrokerFixture start(Consumer<BrokerConfig.Builder> tune, Consumer<Broker> beforeStart) {
        broker = BrokerFixture.start(tune, beforeStart);
        clients = new Clients(broker);
        return broker;
    }

    @AfterEach
    void stopBrokerAndClients() {
        if (clients != null) {
            clients.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
