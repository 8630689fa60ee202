package io.perch.broker.health;

/**
 * One readiness check (a listener set, a Redis pool...). Called from the thread serving a
 * health request: it answers within about a second (a probe uses its own short timeout) and
 * never throws; a failure is a {@link Status} that is not up.
 */
@FunctionalInterface
public interface HealthCheck {
    Status check();

    /** @param detail what was found, for the operator (e.g. "127.0.0.1:6379 answered PING") */
    record Status(boolean up, String detail) {
        public static Status up(String detail) {
            return new Status(true, detail);
        }

        public static Status down(String detail) {
            return new Status(false, detail);
        }
    }
}
