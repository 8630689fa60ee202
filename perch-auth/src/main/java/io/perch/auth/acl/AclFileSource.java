package io.perch.auth.acl;

import io.perch.auth.spi.AclSource;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * ACL rules from a file (EMQ X {@code acl.conf} or Mosquitto {@code acl_file}), replaced
 * whole when the file is reloaded. Threads: checks on event loops; {@link #use} on the reload
 * thread ({@code rules} is volatile and immutable).
 */
public final class AclFileSource implements AclSource {
    private volatile AclRules rules = AclRules.NONE;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public void use(AclRules r) {
        rules = r;
        listeners.forEach(Runnable::run);
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public CompletionStage<AclCheckEvent.Decision> check(ClientInfo client, AclCheckEvent.Action action, String topic) {
        return CompletableFuture.completedFuture(rules.check(client, action, topic));
    }

    @Override
    public CompletionStage<Verdict> explain(ClientInfo client, AclCheckEvent.Action action, String topic) {
        AclRules.Match m = rules.match(client, action, topic);
        return CompletableFuture.completedFuture(new Verdict(m.decision(), m.rule()));
    }

    /** The rules in force (the last good version of the file). */
    public AclRules rules() {
        return rules;
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }
}
