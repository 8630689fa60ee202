package io.perch.broker.core;

/**
 * The lock stripes that serialise what happens to one client id's session: opening (CONNECT,
 * takeover), closing, expiring, kicking, loading from the store and routing to it while it is
 * stored and not loaded. 64 stripes: contention between unrelated clients is rare, and a stripe
 * is held only for in-memory work. Kept until a session has one owning executor (issue 10).
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
