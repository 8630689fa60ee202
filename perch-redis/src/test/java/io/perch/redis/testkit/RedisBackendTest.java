package io.perch.redis.testkit;

import org.junit.jupiter.api.AfterEach;

/**
 * Base of the function tests: a real redis-server per test, and the backend started with the
 * rule lines a test gives; both stopped after the test.
 */
public abstract class RedisBackendTest {
    protected final TestRedis redis = TestRedis.start();
    protected Backend backend;
    protected Events events;

    protected void start(String... lines) {
        backend = Backend.start(redis, lines);
        events = new Events(backend.broker);
    }

    @AfterEach
    void stopBackendAndRedis() {
        if (backend != null) {
            backend.close();
        }
        redis.close();
    }
}
