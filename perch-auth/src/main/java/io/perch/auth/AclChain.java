package io.perch.auth;

import io.perch.auth.spi.AclSource;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The client.check_acl callback: the cached decision when there is one, else the sources in
 * {@code auth.chain} order until one allows or denies. No decision leaves the event undecided
 * and the broker applies {@code acl_nomatch}. A source that fails denies: an ACL that cannot
 * be read must not open the topic. Stateless but for the cache; runs on any event loop.
 */
final class AclChain {
    private static final Logger log = LoggerFactory.getLogger(AclChain.class);
    private final List<AclSource> sources;
    private final AclCache cache;
    private final AuthMetrics metrics;

    AclChain(List<AclSource> sources, AclCache cache, AuthMetrics metrics) {
        this.sources = List.copyOf(sources);
        this.cache = cache;
        this.metrics = metrics;
        for (AclSource s : sources) {
            s.onChange(cache::invalidateAll);
        }
    }

    CompletionStage<HookResult<AclCheckEvent>> call(AclCheckEvent ev) {
        if (ev.decision() != AclCheckEvent.Decision.IGNORE) {
            return CompletableFuture.completedFuture(HookResult.ok());
        }
        AclCheckEvent.Decision cached = cache.get(who(ev.client()), ev.action(), ev.topic());
        if (cached != null) {
            metrics.acl("cache", "hit");
            return CompletableFuture.completedFuture(result(ev, cached));
        }
        long generation = cache.generation();
        return ask(0, ev, true, false).thenApply(o -> {
            if (o.cacheable()) {
                cache.put(who(ev.client()), ev.action(), ev.topic(), o.decision(), generation);
            }
            return result(ev, o.decision());
        });
    }

    /**
     * A decision, and whether it may be cached: only when every source asked for it allows
     * caching (one that fell through a token's ACL could change when the token ends).
     */
    private record Outcome(AclCheckEvent.Decision decision, boolean cacheable, String source, String rule) {
    }

    /** What {@link #explain} found: the decision (IGNORE: no source decided), which source, which rule. */
    record Explanation(AclCheckEvent.Decision decision, String source, String rule) {
    }

    /**
     * What the sources decide for this client, access and topic, the cache left aside (the
     * dashboard's "check access"): the same walk as a client's check, naming the deciding
     * source and, when it can say, the rule.
     */
    CompletionStage<Explanation> explain(ClientInfo client, AclCheckEvent.Action action, String topic) {
        return ask(0, new AclCheckEvent(client, action, topic, AclCheckEvent.Decision.IGNORE), false, true)
                .thenApply(o -> new Explanation(o.decision(), o.source(), o.rule()));
    }

    private static HookResult<AclCheckEvent> result(AclCheckEvent ev, AclCheckEvent.Decision d) {
        return d == AclCheckEvent.Decision.IGNORE ? HookResult.ok() : HookResult.stop(ev.decide(d));
    }

    /** @param explain ask each source for its deciding rule too (and count nothing: a dashboard check is no client's) */
    private CompletionStage<Outcome> ask(int i, AclCheckEvent ev, boolean cacheable, boolean explain) {
        if (i == sources.size()) {
            if (!explain) {
                metrics.acl("none", "nomatch");
            }
            return CompletableFuture.completedFuture(new Outcome(AclCheckEvent.Decision.IGNORE, cacheable, null, null));
        }
        AclSource source = sources.get(i);
        boolean stillCacheable = cacheable && source.cacheable();
        CompletionStage<Outcome> asked;
        try {
            // A client's check takes the decision alone: no extra stage on the hot path.
            asked = explain
                    ? source.explain(ev.client(), ev.action(), ev.topic()).handle((v, e) -> e == null
                            ? new Outcome(v.decision(), stillCacheable, source.name(), v.rule()) : error(source, ev, e))
                    : source.check(ev.client(), ev.action(), ev.topic()).handle((d, e) -> e == null
                            ? new Outcome(d, stillCacheable, source.name(), null) : error(source, ev, e));
        } catch (RuntimeException e) {
            asked = CompletableFuture.completedFuture(error(source, ev, e));
        }
        return asked.thenCompose(o -> {
            if (o.decision() == AclCheckEvent.Decision.IGNORE) {
                return ask(i + 1, ev, o.cacheable(), explain);
            }
            if (!explain) {
                metrics.acl(source.name(), o.decision() == AclCheckEvent.Decision.ALLOW ? "allow" : "deny");
            }
            return CompletableFuture.completedFuture(o);
        });
    }

    /** A source that failed denies, and the denial is not remembered. */
    private Outcome error(AclSource source, AclCheckEvent ev, Throwable e) {
        return new Outcome(failed(source, ev.client(), e), false, source.name(), null);
    }

    private AclCheckEvent.Decision failed(AclSource source, ClientInfo client, Throwable e) {
        metrics.acl(source.name(), "error");
        log.warn("ACL source {} failed for client {}: {}; denying", source.name(), client.clientId(),
                AuthChain.rootMessage(e));
        return AclCheckEvent.Decision.DENY;
    }

    /** The client left: its cached decisions go. */
    void forget(ClientInfo client) {
        cache.forget(who(client));
    }

    /** Cached per client id and user: a client id that comes back as another user starts afresh. */
    private static String who(ClientInfo c) {
        return c.clientId() + '\0' + (c.username() == null ? "" : c.username());
    }
}
