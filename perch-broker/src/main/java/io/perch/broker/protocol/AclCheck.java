package io.perch.broker.protocol;

import io.perch.broker.core.BrokerCore;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Asks the client.check_acl chain; superusers pass, and with no decision {@code acl_nomatch} applies. */
final class AclCheck {
    private static final CompletionStage<Boolean> ALLOW = CompletableFuture.completedFuture(true);

    private AclCheck() {
    }

    static CompletionStage<Boolean> check(BrokerCore core, ClientInfo client, boolean superuser,
                                          AclCheckEvent.Action action, String topic) {
        if (superuser || !core.hooks.hasCallbacks(HookPoints.CLIENT_CHECK_ACL)) {
            return core.config.aclNoMatchAllow || superuser ? ALLOW : CompletableFuture.completedFuture(false);
        }
        return core.hooks.run(HookPoints.CLIENT_CHECK_ACL, new AclCheckEvent(client, action, topic, AclCheckEvent.Decision.IGNORE))
                .thenApply(ev -> {
                    boolean allowed = switch (ev.decision()) {
                        case ALLOW -> true;
                        case DENY -> false;
                        case IGNORE -> core.config.aclNoMatchAllow;
                    };
                    if (!allowed) {
                        core.stats.aclDenied.increment();
                    }
                    return allowed;
                });
    }
}
