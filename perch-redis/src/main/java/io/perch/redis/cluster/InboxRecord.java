package io.perch.redis.cluster;

import io.perch.broker.cluster.Forward;

/**
 * One entry of a node's inbox stream, decoded ({@link StreamCodec}): a forwarded message, or
 * a control record of a takeover. Immutable; any thread.
 */
public sealed interface InboxRecord {
    /** A message for the inbox's node's subscribers. */
    record Forwarded(Forward forward) implements InboxRecord {
    }

    /** {@code fromNode} takes {@code clientId} over: the inbox's node lets it go, then answers {@link Released}. */
    record Release(String clientId, String fromNode, String requestId) implements InboxRecord {
    }

    /** The answer to the {@link Release} numbered {@code requestId}. */
    record Released(String clientId, String requestId) implements InboxRecord {
    }

    /** An entry this version cannot read (a newer node's, or damaged): acknowledged and skipped. */
    record Unknown(String type) implements InboxRecord {
    }
}
