package io.perch.broker.core;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.event.SubscribedEvent;
import io.perch.broker.hook.event.UnsubscribedEvent;
import io.perch.broker.message.Message;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionStore;
import io.perch.broker.topic.SubscriptionTree;
import io.perch.broker.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Subscribing and unsubscribing a session: its own table and the subscription tree change
 * together under the session's monitor (see {@link #subscribe}), then retained messages and
 * the session.subscribed / unsubscribed hooks. Called from the client's event loop, the REST
 * API and the Redis subscription channel alike; holds no state of its own.
 */
public final class Subscriptions {
    private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);
    private final BrokerConfig config;
    private final HookRegistry hooks;
    private final SessionStore store;
    private final SubscriptionTree<String> tree;
    private final RetainedStore retained;
    private final Executor resumeOn;

    /** @param resumeOn where a retained store's late answer continues (an event loop group) */
    public Subscriptions(BrokerConfig config, HookRegistry hooks, SessionStore store, SubscriptionTree<String> tree,
                         RetainedStore retained, Executor resumeOn) {
        this.config = config;
        this.hooks = hooks;
        this.store = store;
        this.tree = tree;
        this.retained = retained;
        this.resumeOn = resumeOn;
    }

    /**
     * Adds a subscription (raw filter, possibly $share/$queue) to the session and the tree.
     * Returns whether it is new; the caller sends SUBACK and then calls {@link #afterSubscribe}.
     */
    public boolean subscribe(Session s, Topics.Parsed parsed, SubscriptionOptions options) {
        String key = Topics.key(parsed.group(), parsed.filter());
        // The session's table and the tree change together under the session's monitor: the
        // client's own (UN)SUBSCRIBE, the Redis subscription channel, the REST API and the end
        // of the session come from different threads, and interleaved they left a filter in
        // the table with no tree entry (or a tree entry for an ended session).
        synchronized (s) {
            if (s.hasEnded()) {
                return false;
            }
            if (!parsed.isShared()) {
                // Until session.subscribed has run (afterSubscribe): a hook that pages in a stored
                // backlog takes its own hold there, and no live message slips in before it.
                s.holdLive(parsed.filter());
            }
            boolean isNew = tree.add(parsed, s.clientId(), options);
            s.subscriptions().put(key, options);
            s.subscriptionChanged(key, options);
            return isNew;
        }
    }

    /**
     * Sends retained messages as the retain handling option says, then fires
     * session.subscribed. A store that answers later (over the network) is continued on an
     * event loop, never on the store's thread.
     */
    public void afterSubscribe(Session s, Topics.Parsed parsed, SubscriptionOptions o, boolean isNew) {
        boolean sendRetained = !parsed.isShared() && (o.retainHandling() == 0 || (o.retainHandling() == 1 && isNew));
        SubscribedEvent event = new SubscribedEvent(s.client(), parsed.filter(), o, isNew);
        if (!sendRetained) {
            subscribed(s, parsed, event);
            return;
        }
        CompletableFuture<List<Message>> f = retained.match(parsed.filter()).toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            sendRetained(s, parsed, o, f.join(), event);
            return;
        }
        f.whenCompleteAsync((msgs, err) -> {
            if (err != null) {
                log.warn("client {}: retained messages for {} could not be read: {}", s.clientId(), parsed.filter(),
                        err.toString());
                subscribed(s, parsed, event);
            } else {
                sendRetained(s, parsed, o, msgs, event);
            }
        }, resumeOn);
    }

    private void sendRetained(Session s, Topics.Parsed parsed, SubscriptionOptions o, List<Message> msgs,
                              SubscribedEvent event) {
        int[] ids = o.subscriptionId() > 0 ? new int[]{o.subscriptionId()} : null;
        for (Message m : msgs) {
            int qos = Math.min(Math.min(m.qos(), o.qos()), config.maxQosAllowed);
            s.offer(Pending.of(m, qos, true, ids));
        }
        subscribed(s, parsed, event);
    }

    /** Fires session.subscribed, then lets go the live messages {@link #subscribe} held back meanwhile. */
    private void subscribed(Session s, Topics.Parsed parsed, SubscribedEvent event) {
        try {
            hooks.fire(HookPoints.SESSION_SUBSCRIBED, event);
        } finally {
            if (!parsed.isShared()) {
                s.releaseLive(parsed.filter());
            }
        }
    }

    public boolean unsubscribe(Session s, String rawFilter) {
        Topics.Parsed parsed = Topics.parseSubscription(rawFilter);
        if (parsed == null) {
            return false;
        }
        String key = Topics.key(parsed.group(), parsed.filter());
        synchronized (s) { // with subscribe: see there
            if (s.subscriptions().remove(key) == null) {
                return false;
            }
            tree.removeKey(key, s.clientId());
            s.subscriptionChanged(key, null);
        }
        hooks.fire(HookPoints.SESSION_UNSUBSCRIBED, new UnsubscribedEvent(s.client(), parsed.filter()));
        return true;
    }

    /** Subscriptions of a session keyed as the client sent them. */
    public Map<String, SubscriptionOptions> subscriptions(String clientId) {
        Session s = store.get(clientId);
        return s == null ? Map.of() : Map.copyOf(s.subscriptions());
    }
}
