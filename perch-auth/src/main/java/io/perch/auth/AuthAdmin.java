package io.perch.auth;

import io.perch.auth.acl.AclFileSource;
import io.perch.auth.acl.AclRules;
import io.perch.auth.file.PasswordFileUsers;
import io.perch.auth.spi.Sources;
import io.perch.broker.api.AccessSettings;
import io.perch.broker.api.BrokerService;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the dashboard may see and do of the running auth plugin: the sources of the chain and
 * their state, the password file's users, the ACL file's rules, and an ACL check that walks the
 * same {@link AclChain} a client's publish or subscribe does (the cache left aside). The plugin
 * registers it in the broker's {@link io.perch.broker.api.PluginServices} while it runs.
 *
 * <p>Threads: any; it holds only what the plugin fixed at start.
 */
public final class AuthAdmin {
    /** A source kind: configured (in the chain) or not, what it does, and its state. */
    public record Source(String name, boolean configured, boolean authentication, boolean acl,
                         Map<String, Object> details) {
    }

    /** enable_acl_cache, acl_cache_max_size, acl_cache_ttl. */
    public record Cache(boolean enabled, int maxSize, Duration ttl) {
    }

    /**
     * The chain's decision: allowed or not, and who decided: a source's name, {@code superuser}
     * (a superuser of the password file skips ACL checks) or {@code nomatch} (no source
     * decided: {@code acl_nomatch} applied); {@code rule} is the ACL file's rule, when it decided.
     */
    public record AccessDecision(boolean allowed, String decidedBy, String rule) {
    }

    private final BrokerService broker;
    private final List<Source> sources;
    private final Cache cache;
    private final PasswordFileUsers users;
    private final AclFileSource aclFile;
    private final AclChain acl;
    private final Map<String, Sources> chainSources;

    AuthAdmin(BrokerService broker, List<String> allKinds, Map<String, Sources> chain, Cache cache, AclChain acl) {
        this.broker = broker;
        this.cache = cache;
        this.acl = acl;
        List<Source> s = new ArrayList<>();
        PasswordFileUsers u = null;
        AclFileSource a = null;
        for (Map.Entry<String, Sources> e : chain.entrySet()) {
            Sources src = e.getValue();
            s.add(new Source(e.getKey(), true, src.auth() != null, src.acl() != null, null));
            if (u == null) {
                u = src.passwordFile();
            }
            if (a == null && src.acl() instanceof AclFileSource f) {
                a = f;
            }
        }
        allKinds.stream().filter(k -> !chain.containsKey(k)).forEach(k -> s.add(new Source(k, false, false, false, Map.of())));
        this.sources = List.copyOf(s);
        this.chainSources = Map.copyOf(chain);
        this.users = u;
        this.aclFile = a;
    }

    /** The configured sources in chain order (with their state as of now), then the kinds not configured. */
    public List<Source> sources() {
        return sources.stream().map(s -> s.configured()
                ? new Source(s.name(), true, s.authentication(), s.acl(), chainSources.get(s.name()).describe()) : s).toList();
    }

    public Cache cache() {
        return cache;
    }

    public AccessSettings access() {
        return broker.access();
    }

    /** The password file's users, when the file source has a password file. */
    public Optional<PasswordFileUsers> passwordFile() {
        return Optional.ofNullable(users);
    }

    /** The ACL file's rules in force, in the order they are checked; empty without an ACL file. */
    public Optional<List<AclRules.Rule>> aclFileRules() {
        return aclFile == null ? Optional.empty() : Optional.of(aclFile.rules().rules());
    }

    /**
     * What the broker would decide for a client with this id, username and address publishing
     * or subscribing to {@code topic}: superusers pass, then the ACL chain, then acl_nomatch.
     */
    public CompletionStage<AccessDecision> check(ClientInfo client, AclCheckEvent.Action action, String topic) {
        if (users != null && users.isLoadedSuperuser(client.username())) {
            return CompletableFuture.completedFuture(new AccessDecision(true, "superuser", null));
        }
        boolean nomatch = broker.access().aclNomatchAllow();
        if (acl == null) {
            return CompletableFuture.completedFuture(new AccessDecision(nomatch, "nomatch", null));
        }
        return acl.explain(client, action, topic).thenApply(x -> x.decision() == AclCheckEvent.Decision.IGNORE
                ? new AccessDecision(nomatch, "nomatch", null)
                : new AccessDecision(x.decision() == AclCheckEvent.Decision.ALLOW, x.source(), x.rule()));
    }
}
