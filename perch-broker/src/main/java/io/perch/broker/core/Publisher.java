package io.perch.broker.core;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.hook.event.DroppedEvent;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.retain.RetainedStore;
import io.perch.broker.persist.DurableWrites;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.route.Router;
import io.perch.broker.stats.BrokerStats;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The publish pipeline: message.publish hooks (which may rewrite, drop, or finish durable I/O
 * first), then the retained store, then routing. When every hook finishes at once the whole
 * pipeline runs on the caller's thread and returns a completed stage.
 */
public final class Publisher {
    private final BrokerConfig config;
    private final HookRegistry hooks;
    private final RetainedStore retained;
    private final Router router;
    private final BrokerStats stats;
    private final Executor workers;
    private final SessionPersistence persistence;
    private final RestoreGate restoring;
    private final MessageIdGenerator ids;

    public Publisher(BrokerConfig config, HookRegistry hooks, RetainedStore retained, Router router, BrokerStats stats,
                     Executor workers, SessionPersistence persistence, RestoreGate restoring, MessageIdGenerator ids) {
        this.ids = ids;
        this.workers = workers;
        this.persistence = persistence;
        this.restoring = restoring;
        this.config = config;
        this.hooks = hooks;
        this.retained = retained;
        this.router = router;
        this.stats = stats;
    }

    /**
     * What publishing did: the number of sessions/groups the message was routed to (-1 when a
     * hook dropped it), and when every session a durable store keeps has it there.
     */
    public record Routed(int count, CompletionStage<Void> stored) {
    }

    /**
     * Publishes; completes with the number of sessions/groups the message was routed to (-1 when
     * a hook dropped it) once the sessions a durable store keeps have it there. When a hook
     * completes later, routing resumes on an event loop of the broker, never on the thread that
     * completed the hook (a Redis pool thread, say).
     */
    public CompletionStage<Integer> publish(ClientInfo publisher, Message m) {
        return publishRouted(publisher, m, workers, null).thenCompose(r -> r.stored().thenApply(v -> r.count()));
    }

    /**
     * As {@link #publish(ClientInfo, Message)}, resuming on {@code resumeOn} (the publisher's
     * event loop), and completing as soon as the message is routed: the caller waits for
     * {@link Routed#stored()} before it acknowledges, without holding up the next packet.
     *
     * @param withIt the publisher's own write that must be stored together with the routed
     *               message, or null: a QoS 2 packet id ({@code Session.qos2Routed}). It runs
     *               right after routing, in one {@link SessionPersistence#group() group} with the
     *               subscribers' writes, and {@link Routed#stored()} includes it
     */
    public CompletionStage<Routed> publishRouted(ClientInfo publisher, Message m, Executor resumeOn,
                                                 Supplier<CompletionStage<Void>> withIt) {
        return publishRouted(publisher, m, resumeOn, withIt, false);
    }

    /**
     * As {@link #publishRouted(ClientInfo, Message, Executor, Supplier)}; {@code again}: the
     * message is routed a second time under the id it had, because the store refused its first
     * routing's writes (an MQTT 3 QoS 2 resend, see {@link DurableWrites#routedAgain()}).
     */
    public CompletionStage<Routed> publishRouted(ClientInfo publisher, Message m, Executor resumeOn,
                                                 Supplier<CompletionStage<Void>> withIt, boolean again) {
        if (!restoring.isOpen()) {
            // The stored sessions are still being read: their subscriptions are not all known yet.
            // The message's id came from the clock before the store's clock floor was applied (a
            // will, a REST or $SYS publish made meanwhile; a PUBLISH takes its id after the wait),
            // and with the clock stepped back it could be a stored body's: it takes a new one.
            return restoring.whenOpen().thenComposeAsync(v -> publishRouted(publisher,
                    again ? m : m.withId(ids.next()), resumeOn, withIt, again), resumeOn);
        }
        if (!hooks.hasCallbacks(HookPoints.MESSAGE_PUBLISH)) {
            DurableWrites writes = new DurableWrites();
            if (again) {
                writes.routedAgain();
            }
            return CompletableFuture.completedFuture(deliver(m, writes, withIt));
        }
        if (withIt == null) {
            return runHooks(publisher, m, resumeOn, null, again);
        }
        // The hooks' own durable writes (a rule's copy of the message in Redis) join the group
        // too when they are made at once: a resend after a crash must find the copy stored
        // with the packet id, or not at all. A hook that completes later writes on its own.
        try (SessionPersistence.Group together = persistence.group()) {
            return runHooks(publisher, m, resumeOn, withIt, again);
        }
    }

    private CompletionStage<Routed> runHooks(ClientInfo publisher, Message m, Executor resumeOn,
                                             Supplier<CompletionStage<Void>> withIt, boolean again) {
        PublishEvent event = new PublishEvent(publisher, m, true);
        if (again) {
            event.writes().routedAgain();
        }
        CompletableFuture<PublishEvent> f = hooks.run(HookPoints.MESSAGE_PUBLISH, event).toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(afterHooks(f.join(), withIt));
        }
        return f.thenApplyAsync(ev -> afterHooks(ev, withIt), resumeOn);
    }

    private Routed afterHooks(PublishEvent ev, Supplier<CompletionStage<Void>> withIt) {
        if (!ev.allowed()) {
            stats.messagesDropped.increment();
            hooks.fire(HookPoints.MESSAGE_DROPPED, new DroppedEvent(ev.message(), null, "denied_by_hook"));
            if (withIt != null) {
                ev.writes().add(withIt.get()); // dropped is an answer too: a resend must not be judged again
            }
            return new Routed(-1, ev.writes().all());
        }
        return deliver(ev.message(), ev.writes(), withIt);
    }

    /** Retains and routes; {@code writes} holds what the hooks stored already (their writes count too). */
    private Routed deliver(Message m, DurableWrites writes, Supplier<CompletionStage<Void>> withIt) {
        if (m.retain() && config.retainAvailable) {
            if (m.payload().length == 0) {
                retained.removeByPublish(m);
            } else {
                retained.put(m);
            }
        }
        int n;
        if (withIt == null) {
            n = router.route(m, writes);
        } else {
            try (SessionPersistence.Group together = persistence.group()) {
                n = router.route(m, writes);
                writes.add(withIt.get());
            }
        }
        if (n == 0) {
            stats.messagesDroppedNoSubscribers.increment();
            if (hooks.hasCallbacks(HookPoints.MESSAGE_DROPPED)) {
                hooks.fire(HookPoints.MESSAGE_DROPPED, new DroppedEvent(m, null, "no_subscribers"));
            }
        }
        return new Routed(n, writes.all());
    }
}
