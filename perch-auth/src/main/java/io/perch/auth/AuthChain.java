package io.perch.auth;

import io.perch.auth.spi.AuthOutcome;
import io.perch.auth.spi.AuthSource;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.AuthenticateEvent;
import io.perch.broker.hook.event.ClientInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The client.authenticate callback: asks the sources in {@code auth.chain} order until one
 * allows or denies; when none recognises the client the broker applies {@code allow_anonymous}.
 * A source that fails (Redis unreachable, say) is logged and counts as "not mine", so a later
 * source may still decide; with none, {@code allow_anonymous} decides as for an unknown client.
 * Stateless: runs on any event loop.
 */
final class AuthChain {
    private static final Logger log = LoggerFactory.getLogger(AuthChain.class);
    private final List<AuthSource> sources;
    private final AuthMetrics metrics;

    AuthChain(List<AuthSource> sources, AuthMetrics metrics) {
        this.sources = List.copyOf(sources);
        this.metrics = metrics;
    }

    CompletionStage<HookResult<AuthenticateEvent>> call(AuthenticateEvent ev) {
        if (ev.decision() != AuthenticateEvent.Decision.IGNORE) {
            return CompletableFuture.completedFuture(HookResult.ok()); // decided before us (enhanced auth, another plugin)
        }
        return ask(0, ev);
    }

    private CompletionStage<HookResult<AuthenticateEvent>> ask(int i, AuthenticateEvent ev) {
        if (i == sources.size()) {
            metrics.outcome("none", "ignore");
            return CompletableFuture.completedFuture(HookResult.ok());
        }
        AuthSource source = sources.get(i);
        ClientInfo client = ev.client();
        CompletionStage<AuthOutcome> outcome;
        try {
            outcome = source.authenticate(client, ev.password());
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<AuthOutcome> f = outcome.toCompletableFuture();
        if (f.isDone()) {
            return next(i, ev, source, f.exceptionally(e -> failed(source, client, e)).join());
        }
        return f.exceptionally(e -> failed(source, client, e)).thenCompose(o -> next(i, ev, source, o));
    }

    private CompletionStage<HookResult<AuthenticateEvent>> next(int i, AuthenticateEvent ev, AuthSource source,
                                                                AuthOutcome o) {
        switch (o.kind()) {
            case ALLOW -> {
                metrics.outcome(source.name(), "allow");
                return CompletableFuture.completedFuture(
                        HookResult.stop(ev.decide(AuthenticateEvent.Decision.ALLOW, o.superuser())));
            }
            case DENY -> {
                metrics.outcome(source.name(), "deny");
                log.info("client {} (user {}) refused by the {} source: bad credentials", ev.client().clientId(),
                        ev.client().username(), source.name());
                return CompletableFuture.completedFuture(
                        HookResult.stop(ev.decide(AuthenticateEvent.Decision.DENY_BAD_CREDENTIALS, false)));
            }
            default -> {
                return ask(i + 1, ev);
            }
        }
    }

    private AuthOutcome failed(AuthSource source, ClientInfo client, Throwable e) {
        metrics.outcome(source.name(), "error");
        log.warn("authentication source {} failed for client {}: {}; asking the next source", source.name(),
                client.clientId(), rootMessage(e));
        return AuthOutcome.IGNORE;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        return t.toString();
    }
}
