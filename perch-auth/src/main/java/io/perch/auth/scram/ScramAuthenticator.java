package io.perch.auth.scram;

import io.perch.auth.spi.ScramVerifiers;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.hook.event.EnhancedAuthEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * MQTT 5 enhanced authentication with the method {@code SCRAM-SHA-256}: the CONNECT (or an
 * AUTH re-authenticating) carries the client-first message, the broker answers AUTH 0x18 with
 * the server-first, the client's AUTH carries its proof, and the CONNACK (or AUTH 0x00) carries
 * the server's signature, so the client knows the broker holds its verifier. The verifier
 * comes from the first source in {@code auth.chain} order that has one for the user. When the
 * CONNECT names a username it must be the SCRAM user: ACL rules then see who proved it.
 *
 * <p>Threads: steps of one connection run one at a time on its event loop (the broker waits
 * for each answer); exchanges of all connections share a concurrent map, swept of abandoned
 * ones by the plugin's timer ({@link #sweep}).
 */
public final class ScramAuthenticator {
    public static final String METHOD = "SCRAM-SHA-256";
    /** An exchange the client abandoned is forgotten after this long. */
    static final long ABANDONED_NANOS = 60_000_000_000L;
    private static final Logger log = LoggerFactory.getLogger(ScramAuthenticator.class);

    private final List<ScramVerifiers> sources;
    private final LongSupplier clock;
    private final Map<String, ScramExchange> exchanges = new ConcurrentHashMap<>();

    public ScramAuthenticator(List<ScramVerifiers> sources, LongSupplier nanoClock) {
        this.sources = List.copyOf(sources);
        this.clock = nanoClock;
    }

    public CompletionStage<HookResult<EnhancedAuthEvent>> call(EnhancedAuthEvent ev) {
        if (!METHOD.equals(ev.method()) || ev.result() != EnhancedAuthEvent.Result.UNSUPPORTED) {
            return CompletableFuture.completedFuture(HookResult.ok());
        }
        String key = key(ev.client());
        ScramExchange pending = exchanges.remove(key);
        byte[] data = ev.data() == null ? new byte[0] : ev.data();
        if (pending != null) {
            byte[] serverFinal = pending.clientFinal(data);
            if (serverFinal == null) {
                log.info("client {}: SCRAM-SHA-256 proof for user {} refused", ev.client().clientId(), pending.user());
                return answer(ev, EnhancedAuthEvent.Result.FAILURE, null);
            }
            return answer(ev, EnhancedAuthEvent.Result.SUCCESS, serverFinal);
        }
        ScramExchange.ClientFirst first;
        try {
            first = ScramExchange.ClientFirst.parse(data);
        } catch (IllegalArgumentException e) {
            log.info("client {}: SCRAM-SHA-256 refused: {}", ev.client().clientId(), e.getMessage());
            return answer(ev, EnhancedAuthEvent.Result.FAILURE, null);
        }
        String connectUser = ev.client().username();
        if (connectUser != null && !connectUser.equals(first.user())) {
            log.info("client {}: SCRAM-SHA-256 user is not the CONNECT's username", ev.client().clientId());
            return answer(ev, EnhancedAuthEvent.Result.FAILURE, null);
        }
        return lookup(0, ev.client(), first.user()).thenApply(v -> {
            if (v == null) {
                log.info("client {}: no SCRAM-SHA-256 verifier for user {}", ev.client().clientId(), first.user());
                return HookResult.stop(ev.answer(EnhancedAuthEvent.Result.FAILURE, null));
            }
            ScramExchange x = new ScramExchange(first, v, clock.getAsLong());
            exchanges.put(key, x);
            return HookResult.stop(ev.answer(EnhancedAuthEvent.Result.CONTINUE, x.serverFirst()));
        });
    }

    private CompletionStage<ScramVerifier> lookup(int i, ClientInfo client, String user) {
        if (i == sources.size()) {
            return CompletableFuture.completedFuture(null);
        }
        return sources.get(i).verifier(client, user)
                .exceptionally(e -> {
                    log.warn("a SCRAM verifier source failed for client {}: {}; asking the next", client.clientId(),
                            e.getCause() != null ? e.getCause() : e);
                    return null;
                })
                .thenCompose(v -> v != null ? CompletableFuture.completedFuture(v) : lookup(i + 1, client, user));
    }

    private static CompletionStage<HookResult<EnhancedAuthEvent>> answer(EnhancedAuthEvent ev, EnhancedAuthEvent.Result r,
                                                                       byte[] data) {
        return CompletableFuture.completedFuture(HookResult.stop(ev.answer(r, data)));
    }

    /** One connection: a client id may connect again while an old exchange waits. */
    private static String key(ClientInfo c) {
        return c.clientId() + '\0' + c.peerHost() + '\0' + c.peerPort() + '\0' + c.connectedAt();
    }

    /** Forgets exchanges the client abandoned (it disconnected between the two steps). */
    public void sweep() {
        long now = clock.getAsLong();
        exchanges.values().removeIf(x -> now - x.startedAt > ABANDONED_NANOS);
    }

    int pending() {
        return exchanges.size();
    }
}
