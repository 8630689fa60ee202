package io.perch.broker.core;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.hook.event.DroppedEvent;
import io.perch.broker.message.Message;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionListener;
import io.perch.broker.stats.BrokerStats;

/**
 * What sessions report (delivered, acknowledged, dropped) becomes counters and the
 * message.delivered / acked / dropped hooks. Called after a session's monitor is released,
 * from whichever thread made the change; holds no state of its own.
 */
final class SessionHooks implements SessionListener {
    private final HookRegistry hooks;
    private final BrokerStats stats;

    SessionHooks(HookRegistry hooks, BrokerStats stats) {
        this.hooks = hooks;
        this.stats = stats;
    }

    @Override
    public void delivered(Session session, Message message) {
        stats.messagesSent.increment();
        if (hooks.hasCallbacks(HookPoints.MESSAGE_DELIVERED)) {
            hooks.fire(HookPoints.MESSAGE_DELIVERED, new DeliveryEvent(session.client(), message));
        }
    }

    @Override
    public void acked(Session session, Message message) {
        stats.messagesAcked.increment();
        if (hooks.hasCallbacks(HookPoints.MESSAGE_ACKED)) {
            hooks.fire(HookPoints.MESSAGE_ACKED, new DeliveryEvent(session.client(), message));
        }
    }

    @Override
    public void dropped(Session session, Message message, String reason) {
        if (hooks.hasCallbacks(HookPoints.MESSAGE_DROPPED)) {
            hooks.fire(HookPoints.MESSAGE_DROPPED, new DroppedEvent(message, session.clientId(), reason));
        }
    }
}
