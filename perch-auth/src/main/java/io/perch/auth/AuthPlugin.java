package io.perch.auth;

import io.perch.auth.file.FileKind;
import io.perch.auth.jwt.JwtKind;
import io.perch.auth.redis.RedisKind;
import io.perch.auth.spi.AclSource;
import io.perch.auth.scram.ScramAuthenticator;
import io.perch.auth.spi.AuthSource;
import io.perch.auth.spi.ScramVerifiers;
import io.perch.auth.spi.SourceKind;
import io.perch.auth.spi.Sources;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.AuthenticateEvent;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.hook.event.EnhancedAuthEvent;
import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.broker.plugin.PerchPlugin;
import io.perch.broker.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Authentication and ACL from files, Redis and JWT, as one ordered chain ({@code auth.chain}).
 * Each source kind owns its keys ({@link SourceKind}); this plugin orders the configured ones,
 * registers one client.authenticate and one client.check_acl callback that ask them in that
 * order, and keeps the ACL cache ({@code enable_acl_cache}, {@code acl_cache_max_size},
 * {@code acl_cache_ttl}, as EMQ X names them).
 *
 * <p>Threads: configured and started on the main thread; the callbacks run on the broker's
 * event loops; file reloads on the plugin's timer thread.
 */
public final class AuthPlugin implements PerchPlugin {
    private static final Logger log = LoggerFactory.getLogger(AuthPlugin.class);
    /** Runs before other plugins' authentication and ACL callbacks. */
    static final int PRIORITY = 100;
    private static final String CHAIN = "auth.chain";
    private static final List<String> CACHE_KEYS = List.of("enable_acl_cache", "acl_cache_max_size", "acl_cache_ttl");

    /** Every source kind, in the default chain order. */
    private final List<SourceKind> kinds = List.of(new FileKind(), new RedisKind(), new JwtKind());

    private final Map<String, Sources> configured = new LinkedHashMap<>();
    private final List<HookRegistry.Registration> registrations = new ArrayList<>();
    private boolean cacheEnabled = true;
    private int cacheMax = 32;
    private Duration cacheTtl = Duration.ofMinutes(1);
    private ScheduledExecutorService timer;
    private AuthAdmin admin;
    private io.perch.broker.api.PluginServices services;

    @Override
    public String name() {
        return "auth";
    }

    @Override
    public List<String> configPrefixes() {
        List<String> p = new ArrayList<>(List.of("auth."));
        p.addAll(CACHE_KEYS);
        for (SourceKind k : kinds) {
            k.prefixes().stream().filter(x -> !x.startsWith("auth.")).forEach(p::add);
        }
        return p;
    }

    @Override
    public void configure(List<ConfigEntry> entries) {
        Map<SourceKind, List<ConfigEntry>> byKind = new LinkedHashMap<>();
        ConfigEntry chain = null;
        for (ConfigEntry e : entries) {
            if (e.key().equals(CHAIN)) {
                chain = e;
                continue;
            }
            if (CACHE_KEYS.contains(e.key())) {
                cache(e);
                continue;
            }
            SourceKind kind = kinds.stream().filter(k -> k.prefixes().stream().anyMatch(e.key()::startsWith))
                    .findFirst().orElseThrow(() -> new ConfigException(e, "unknown key; authentication keys are "
                            + CHAIN + ", " + String.join(", ", CACHE_KEYS) + " and those starting with "
                            + String.join(", ", kinds.stream().flatMap(k -> k.prefixes().stream()).toList())));
            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(e);
        }
        Map<String, Sources> built = new LinkedHashMap<>();
        for (SourceKind k : kinds) {
            Sources s = k.configure(byKind.getOrDefault(k, List.of()));
            if (s != null) {
                built.put(k.name(), s);
            }
        }
        configured.clear();
        if (chain == null) {
            configured.putAll(built);
            return;
        }
        for (String name : chain.value().split("[,\\s]+")) {
            if (name.isEmpty()) {
                continue;
            }
            if (kinds.stream().noneMatch(k -> k.name().equals(name))) {
                throw new ConfigException(chain, "unknown source '" + name + "'; sources are "
                        + String.join(", ", kinds.stream().map(SourceKind::name).toList()));
            }
            Sources s = built.get(name);
            if (s == null) {
                throw new ConfigException(chain, "source '" + name + "' is listed but not configured; set its keys "
                        + "(" + String.join(", ", kinds.stream().filter(k -> k.name().equals(name))
                        .flatMap(k -> k.prefixes().stream()).toList()) + "...) or leave it out of the chain");
            }
            if (configured.put(name, s) != null) {
                throw new ConfigException(chain, "source '" + name + "' is listed twice");
            }
        }
        String where = chain.where();
        built.keySet().stream().filter(n -> !configured.containsKey(n)).forEach(n -> log.warn(
                "{}: the {} source is configured but not in {}: it is not used", where, n, CHAIN));
    }

    private void cache(ConfigEntry e) {
        switch (e.key()) {
            case "enable_acl_cache" -> cacheEnabled = switch (e.value().trim()) {
                case "on", "true" -> true;
                case "off", "false" -> false;
                default -> throw new ConfigException(e, "expected on or off");
            };
            case "acl_cache_max_size" -> {
                try {
                    cacheMax = Integer.parseInt(e.value().trim());
                } catch (NumberFormatException x) {
                    cacheMax = -1;
                }
                if (cacheMax < 0) {
                    throw new ConfigException(e, "expected a number of entries per client (0 or more)");
                }
            }
            default -> cacheTtl = ConfigDurations.parse(e);
        }
    }

    @Override
    public boolean enabled() {
        return !configured.isEmpty();
    }

    /** The sources in chain order (for ctl and tests). */
    public List<String> chain() {
        return List.copyOf(configured.keySet());
    }

    /** perch check: every configured source's files exist and parse (nothing is started). */
    @Override
    public void check(java.nio.file.Path home) {
        configured.values().forEach(s -> s.check(home));
    }

    @Override
    public void start(PluginContext context) throws Exception {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "perch-auth-timer");
            t.setDaemon(true);
            return t;
        });
        Sources.Context ctx = new Sources.Context(context.homeDir(), timer, context.metrics(), context.broker());
        List<AuthSource> auth = new ArrayList<>();
        List<AclSource> acl = new ArrayList<>();
        List<ScramVerifiers> scram = new ArrayList<>();
        try {
            for (Sources s : configured.values()) {
                s.start(ctx);
                if (s.auth() != null) {
                    auth.add(s.auth());
                }
                if (s.acl() != null) {
                    acl.add(s.acl());
                }
                if (s.scram() != null) {
                    scram.add(s.scram());
                }
            }
        } catch (Exception e) {
            stop();
            throw e;
        }
        AuthMetrics metrics = new AuthMetrics(context.metrics());
        HookRegistry hooks = context.broker().hooks();
        if (!auth.isEmpty()) {
            AuthChain chain = new AuthChain(auth, metrics);
            registrations.add(hooks.register(HookPoints.CLIENT_AUTHENTICATE, PRIORITY, "auth.chain",
                    (AuthenticateEvent ev) -> chain.call(ev)));
        }
        AclChain aclChain = null;
        if (!acl.isEmpty()) {
            AclChain chain = new AclChain(acl, new AclCache(cacheEnabled, cacheMax, cacheTtl, System::nanoTime), metrics);
            aclChain = chain;
            registrations.add(hooks.register(HookPoints.CLIENT_CHECK_ACL, PRIORITY, "auth.acl",
                    (AclCheckEvent ev) -> chain.call(ev)));
            registrations.add(hooks.register(HookPoints.CLIENT_DISCONNECTED, PRIORITY, "auth.acl_cache",
                    (DisconnectedEvent ev) -> {
                        chain.forget(ev.client());
                        return CompletableFuture.completedFuture(HookResult.ok());
                    }));
        }
        if (!scram.isEmpty()) {
            ScramAuthenticator scramAuth = new ScramAuthenticator(scram, System::nanoTime);
            registrations.add(hooks.register(HookPoints.CLIENT_ENHANCED_AUTH, PRIORITY, "auth.scram",
                    (EnhancedAuthEvent ev) -> scramAuth.call(ev)));
            timer.scheduleWithFixedDelay(scramAuth::sweep, 30, 30, java.util.concurrent.TimeUnit.SECONDS);
        }
        // The dashboard's view of users and ACL rules; it looks the service up on each request.
        admin = new AuthAdmin(context.broker(), kinds.stream().map(SourceKind::name).toList(), configured,
                new AuthAdmin.Cache(cacheEnabled, cacheMax, cacheTtl), aclChain);
        services = context.broker().services();
        services.register(AuthAdmin.class, admin);
        log.info("authentication chain: {} (authentication: {}; ACL: {})", String.join(", ", configured.keySet()),
                auth.stream().map(AuthSource::name).toList(), acl.stream().map(AclSource::name).toList());
    }

    @Override
    public void stop() {
        if (services != null) {
            services.unregister(AuthAdmin.class, admin);
            services = null;
        }
        registrations.forEach(HookRegistry.Registration::close);
        registrations.clear();
        configured.values().forEach(Sources::close);
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
