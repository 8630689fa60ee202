package io.perch.broker.session;

import io.perch.broker.message.Message;
import io.perch.broker.stats.BrokerStats;

import java.util.ArrayList;
import java.util.List;

/**
 * What a session did under its monitor (delivered, acked, dropped), collected there and
 * reported to the {@link SessionListener} after the monitor is released, so a hook may call
 * back into the broker without lock-order risks. The list is made only when there is an event.
 */
final class SessionEvents {
    static final int DELIVERED = 0;
    static final int ACKED = 1;
    static final int DROPPED = 2;

    private SessionEvents() {
    }

    record Event(int kind, Message message, String reason) {
    }

    static List<Event> add(List<Event> events, int kind, Message m, String reason) {
        if (events == null) {
            events = new ArrayList<>(2);
        }
        events.add(new Event(kind, m, reason));
        return events;
    }

    static void report(Session session, SessionListener listener, BrokerStats stats, List<Event> events) {
        if (events == null) {
            return;
        }
        for (Event e : events) {
            switch (e.kind()) {
                case DELIVERED -> listener.delivered(session, e.message());
                case ACKED -> listener.acked(session, e.message());
                default -> {
                    stats.messagesDropped.increment();
                    listener.dropped(session, e.message(), e.reason());
                }
            }
        }
    }
}
