package io.perch.redis.session;

/**
 * A session write refused because another node owns the client now (a newer epoch in its
 * owner hash): the write was not stored (on a Cluster pool: stored, but this node no longer
 * counts as its writer), so nothing that waited for it may be acknowledged as stored.
 */
public final class FencedWriteException extends RuntimeException {
    private final String clientId;
    private final String owner;
    private final long ownerEpoch;

    public FencedWriteException(String clientId, String owner, long ownerEpoch) {
        super("writes for client " + clientId + " refused: node " + owner + " owns it now (epoch " + ownerEpoch + ")",
                null, false, false);
        this.clientId = clientId;
        this.owner = owner;
        this.ownerEpoch = ownerEpoch;
    }

    public String clientId() {
        return clientId;
    }

    public String owner() {
        return owner;
    }

    public long ownerEpoch() {
        return ownerEpoch;
    }
}
