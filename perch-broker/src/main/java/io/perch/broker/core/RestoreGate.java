package io.perch.broker.core;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the stored sessions are known yet. The broker listens before it has read them (a
 * million stored sessions take tens of seconds), so while they are being read: publishes wait
 * (a message must find every stored session's subscriptions), a CONNECT asks the store for its
 * client's session itself, and a clean start marks its client id, so that the restore does not
 * bring back the session it discarded.
 *
 * <p>Open from the start; {@link #close()} and {@link #open()} are called by the thread that
 * starts the broker; any thread reads. The set of early client ids is written under each id's
 * client lock, which the restore takes too.
 */
public final class RestoreGate {
    private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);
    private volatile CompletableFuture<Void> restored = OPEN;
    private final Set<String> early = ConcurrentHashMap.newKeySet();
    /** Clients whose CONNECT is reading their session itself (added and removed under the id's lock). */
    private final Set<String> loading = ConcurrentHashMap.newKeySet();

    /** Before the listeners bind: the stored sessions are about to be read. */
    public void close() {
        restored = new CompletableFuture<>();
    }

    /** They are known now: what waited goes on. */
    public void open() {
        early.clear();
        restored.complete(null);
    }

    public boolean isOpen() {
        return restored.isDone();
    }

    /** Completes when the stored sessions are known. */
    public CompletableFuture<Void> whenOpen() {
        return restored;
    }

    /** A clean start while closed (under the client id's lock): the restore must skip this client. */
    void connectedEarly(String clientId) {
        early.add(clientId);
    }

    /**
     * A CONNECT reads its client's session itself while closed (under the id's lock): if the
     * restore adds that session meanwhile, what is routed to it from then on must be held for
     * the loaded session, as for any load (the load may have read the store before).
     */
    void loadingEarly(String clientId) {
        loading.add(clientId);
    }

    /** That read is over (loaded, failed, or abandoned; under the id's lock). */
    void loadedEarly(String clientId) {
        loading.remove(clientId);
    }

    boolean isLoadingEarly(String clientId) {
        return loading.contains(clientId);
    }

    /** Whether a clean start discarded this client's session before the restore got to it (under its lock). */
    boolean decidedEarly(String clientId) {
        return early.contains(clientId);
    }
}
