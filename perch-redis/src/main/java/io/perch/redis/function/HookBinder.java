package io.perch.redis.function;

import io.perch.broker.hook.HookCallback;
import io.perch.broker.hook.HookPoint;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.ClientEvent;
import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.hook.event.SubscribedEvent;
import io.perch.broker.hook.event.UnsubscribedEvent;
import io.perch.broker.topic.Topics;
import io.perch.redis.config.HookRule;
import io.perch.redis.config.RuleAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Registers one callback per hook point that runs that point's rules in order (ascending
 * {@code <n>}), each against its own pool. Every callback completes at once: writes are queued
 * on the pools' pipelines and reads finish on their own, so the broker never waits for Redis
 * (a slow or absent Redis cannot stall MQTT). on_retain_delete's "stop" ends only this
 * backend's remaining publish rules, not other plugins' callbacks.
 */
public final class HookBinder {
    private static final Logger log = LoggerFactory.getLogger(HookBinder.class);
    /** After authentication, ACL and rewrites (which register below 500), before nothing in particular. */
    public static final int PRIORITY = 500;

    private final BackendContext ctx;
    private final Map<String, PoolRuntime> pools;
    private final ClientFunctions clients;
    private final PublishFunctions publish;
    private final FetchFunctions fetch;
    private final LookupFunctions lookup;
    private final AckFunctions acks;
    private final Map<HookRule, CommandsAction> commands = new IdentityHashMap<>();
    /** Each rule's view of its pool: what it submits is counted for the rule too (BackendMetrics.rule). */
    private final Map<HookRule, PoolRuntime> rulePools = new IdentityHashMap<>();
    private final List<HookRegistry.Registration> registrations = new ArrayList<>();
    /** The pools the message.publish rules write to, each once: their back-pressure holds the publisher. */
    private List<PoolRuntime> publishPools = List.of();

    public HookBinder(BackendContext ctx, Map<String, PoolRuntime> pools) {
        this.ctx = ctx;
        this.pools = pools;
        this.clients = new ClientFunctions(ctx);
        this.publish = new PublishFunctions(ctx);
        this.fetch = new FetchFunctions(ctx);
        this.lookup = new LookupFunctions(ctx);
        this.acks = new AckFunctions(ctx);
    }

    public void bind(HookRegistry hooks, List<HookRule> rules) {
        for (HookRule r : rules) {
            rulePools.put(r, pools.get(r.pool()).forRule(ruleId(r)));
            if (r.action() instanceof RuleAction.Commands c) {
                commands.put(r, new CommandsAction(c));
            }
        }
        List<HookRule> connected = new ArrayList<>(of(rules, "client.connected"));
        connected.addAll(of(rules, "session.created"));
        register(hooks, HookPoints.CLIENT_CONNECTED, connected, this::onConnected);
        register(hooks, HookPoints.CLIENT_DISCONNECTED, of(rules, "client.disconnected"), this::onDisconnected);
        register(hooks, HookPoints.SESSION_SUBSCRIBED, of(rules, "session.subscribed"), this::onSubscribed);
        register(hooks, HookPoints.SESSION_UNSUBSCRIBED, of(rules, "session.unsubscribed"), this::onUnsubscribed);
        List<HookRule> publishRules = of(rules, "message.publish");
        register(hooks, HookPoints.MESSAGE_PUBLISH, publishRules, this::onPublish);
        publishPools = publishRules.stream().map(r -> pools.get(r.pool())).distinct().toList();
        register(hooks, HookPoints.MESSAGE_DELIVERED, of(rules, "message.delivered"), this::onDelivery);
        register(hooks, HookPoints.MESSAGE_ACKED, of(rules, "message.acked"), this::onDelivery);
    }

    /** A rule's name in the per-rule counter: its hook point and number, as in its config key. */
    public static String ruleId(HookRule r) {
        return r.hookPoint() + "." + r.order();
    }

    public void unbind() {
        registrations.forEach(HookRegistry.Registration::close);
        registrations.clear();
    }

    private interface RuleRunner<E> {
        /** Runs one rule; returns true to stop the remaining rules for this event. */
        boolean run(HookRule rule, PoolRuntime pool, E event, Object runState);
    }

    private <E> void register(HookRegistry hooks, HookPoint<E> point, List<HookRule> rules, RuleRunner<E> runner) {
        if (rules.isEmpty()) {
            return;
        }
        List<HookRule> ordered = List.copyOf(rules);
        HookCallback<E> cb = event -> runAll(point, ordered, runner, event);
        registrations.add(hooks.register(point, PRIORITY, "redis-backend", cb));
    }

    private <E> CompletionStage<HookResult<E>> runAll(HookPoint<E> point, List<HookRule> rules, RuleRunner<E> runner, E event) {
        Object state = point == HookPoints.MESSAGE_PUBLISH ? new PublishFunctions.RunState(
                ctx.acknowledgeAfterWrite() ? ((PublishEvent) event).writes() : null) : null;
        for (HookRule rule : rules) {
            try {
                if (runner.run(rule, rulePools.get(rule), event, state)) {
                    break;
                }
            } catch (RuntimeException e) {
                log.warn("{} rule {}.{} ({}) failed: {}", point, rule.hookPoint(), rule.order(), rule.label(), e.toString());
            }
        }
        if (point == HookPoints.MESSAGE_PUBLISH) {
            // Hold the publisher while a pool's writes lag behind Redis (see CommandPipeline.room).
            CompletableFuture<Void> room = null;
            for (PoolRuntime pool : publishPools) {
                CompletableFuture<Void> r = pool.pipeline().room();
                if (!r.isDone()) {
                    room = room == null ? r : CompletableFuture.allOf(room, r);
                }
            }
            if (room != null) {
                return room.thenApply(v -> HookResult.ok());
            }
        }
        return CompletableFuture.completedFuture(HookResult.ok());
    }

    private static List<HookRule> of(List<HookRule> rules, String hookPoint) {
        return rules.stream().filter(r -> r.hookPoint().equals(hookPoint)).toList();
    }

    private static boolean topicMatches(HookRule rule, String topic) {
        return rule.topic() == null || Topics.matches(rule.topic(), topic);
    }

    private boolean onConnected(HookRule rule, PoolRuntime pool, ClientEvent ev, Object state) {
        String cid = ev.client().clientId();
        if (rule.action() instanceof RuleAction.Function f) {
            switch (f.name()) {
                case "on_client_connected" -> clients.connected(pool, ev.client());
                case "on_subscribe_lookup" -> quietly(clients.subscribeLookup(pool, cid), rule);
                default -> throw new IllegalStateException(f.name());
            }
        } else {
            commands.get(rule).run(pool, Variables.client(cid));
        }
        return false;
    }

    private boolean onDisconnected(HookRule rule, PoolRuntime pool, DisconnectedEvent ev, Object state) {
        if (rule.action() instanceof RuleAction.Function) {
            clients.disconnected(pool, ev.client());
        } else {
            commands.get(rule).run(pool, Variables.client(ev.client().clientId()));
        }
        return false;
    }

    private boolean onSubscribed(HookRule rule, PoolRuntime pool, SubscribedEvent ev, Object state) {
        if (!topicMatches(rule, ev.filter())) {
            return false;
        }
        if (rule.action() instanceof RuleAction.Function f) {
            switch (f.name()) {
                case "on_message_fetch_for_queue" -> quietly(fetch.queue(pool, ev), rule);
                case "on_message_fetch_for_pubsub" -> quietly(fetch.pubsub(pool, rule, ev), rule);
                case "on_message_fetch_for_keep_latest" -> quietly(lookup.keepLatest(pool, ev), rule);
                case "on_retain_lookup" -> quietly(lookup.retain(pool, ev), rule);
                default -> throw new IllegalStateException(f.name());
            }
        } else {
            commands.get(rule).run(pool, Variables.session(ev.client().clientId(), ev.filter(), ev.options().qos()));
        }
        return false;
    }

    private boolean onUnsubscribed(HookRule rule, PoolRuntime pool, UnsubscribedEvent ev, Object state) {
        if (topicMatches(rule, ev.filter())) {
            commands.get(rule).run(pool, Variables.session(ev.client().clientId(), ev.filter(), null));
        }
        return false;
    }

    private boolean onPublish(HookRule rule, PoolRuntime pool, PublishEvent ev, Object state) {
        if (!ev.allowed() || !topicMatches(rule, ev.message().topic())) {
            return false;
        }
        PublishFunctions.RunState run = (PublishFunctions.RunState) state;
        if (rule.action() instanceof RuleAction.Function f) {
            switch (f.name()) {
                case "on_message_publish" -> publish.publish(pool, rule, ev.message(), run);
                case "on_message_retain" -> publish.retain(pool, rule, ev.message(), run);
                case "on_retain_delete" -> {
                    return publish.retainDelete(pool, ev.message(), run);
                }
                case "on_message_store_keep_latest" -> publish.keepLatest(pool, rule, ev.message(), run);
                default -> throw new IllegalStateException(f.name());
            }
        } else {
            commands.get(rule).run(pool, Variables.publish(ev.message(), ctx.compat()));
        }
        return false;
    }

    private boolean onDelivery(HookRule rule, PoolRuntime pool, DeliveryEvent ev, Object state) {
        if (!topicMatches(rule, ev.message().topic())) {
            return false;
        }
        if (rule.action() instanceof RuleAction.Function f) {
            switch (f.name()) {
                case "on_message_acked_for_queue" -> acks.queue(pool, ev);
                case "on_message_acked_for_pubsub" -> acks.pubsub(pool, ev);
                case "on_message_acked_for_keep_latest" -> acks.keepLatest(pool, ev);
                default -> throw new IllegalStateException(f.name());
            }
        } else {
            commands.get(rule).run(pool, Variables.delivery(ev, ctx.compat()));
        }
        return false;
    }

    /** Reads finish on their own; their failures are counted by the pipeline and logged here without payloads. */
    private static void quietly(CompletableFuture<?> f, HookRule rule) {
        f.whenComplete((v, e) -> {
            if (e != null) {
                log.warn("{} ({}) did not complete: {}", rule.label(), rule.source().where(), rootMessage(e));
            }
        });
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t != t.getCause()) {
            t = t.getCause();
        }
        return t.toString();
    }
}
