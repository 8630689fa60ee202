package io.perch.auth.spi;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

import java.util.concurrent.CompletionStage;

/**
 * One source of ACL rules: for a client's publish or subscribe it says allow, deny, or
 * {@code IGNORE} (no rule of mine matched: the next source decides, and with none
 * {@code acl_nomatch}). Called on a broker event loop; never blocks.
 */
public interface AclSource extends AutoCloseable {
    String name();

    CompletionStage<AclCheckEvent.Decision> check(ClientInfo client, AclCheckEvent.Action action, String topic);

    /** A decision and the text of the rule that took it, when the source can name one (else null). */
    record Verdict(AclCheckEvent.Decision decision, String rule) {
    }

    /**
     * {@link #check} with the deciding rule, for the dashboard's "check access" (never on the
     * hot path). The default names no rule.
     */
    default CompletionStage<Verdict> explain(ClientInfo client, AclCheckEvent.Action action, String topic) {
        return check(client, action, topic).thenApply(d -> new Verdict(d, null));
    }

    /**
     * Called with a runnable that the source runs whenever its rules change (a file reloaded):
     * cached decisions are then dropped. The default never changes.
     */
    default void onChange(Runnable listener) {
    }

    /**
     * Whether a decision this source took part in may be cached ({@code enable_acl_cache}).
     * False for rules that end on their own (a token's ACL ends with the token) and are cheap
     * to check again.
     */
    default boolean cacheable() {
        return true;
    }

    @Override
    default void close() {
    }
}
