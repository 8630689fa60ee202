package io.perch.broker.core;

/**
 * The lock stripes that serialise what happens to one client id's session: opening (CONNECT,
 * takeover), closing, expiring, kicking, loading from the store and routing to it while it is
 * stored and not loaded. 64 stripes: contention between unrelated clients is rare, and a stripe
 * is held only for in-memory work (a store write is queued under it, never awaited).
 *
 * <p>Why stripes stay: a client id's life cycle spans two objects that may not exist yet (the
 * live session, the dormant stored entry) and callers on any thread (two CONNECTs on two event
 * loops, the API's kick, an expiry timer, the router reaching a dormant session). A lock keyed
 * by the id orders them without a registry of per-id executors that would itself need the same
 * guard to create and retire entries; the work under it is a few map operations.
 */
public final class ClientLocks {
    private final Object[] stripes = new Object[64];

    public ClientLocks() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    /** The lock of a client id. */
    public Object of(String clientId) {
        return stripes[Math.floorMod(clientId.hashCode(), stripes.length)];
    }
}
