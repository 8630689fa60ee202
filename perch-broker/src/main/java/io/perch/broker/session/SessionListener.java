package io.perch.broker.session;

import io.perch.broker.message.Message;

/** What a session tells the broker; called after the session's lock is released. */
public interface SessionListener {
    void delivered(Session session, Message message);

    void acked(Session session, Message message);

    void dropped(Session session, Message message, String reason);

    /** Hears nothing (sessions outside a broker: tests, benchmarks). */
    SessionListener NONE = new SessionListener() {
        @Override
        public void delivered(Session session, Message message) {
        }

        @Override
        public void acked(Session session, Message message) {
        }

        @Override
        public void dropped(Session session, Message message, String reason) {
        }
    };
}
