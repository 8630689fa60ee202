package io.perch.broker.cluster;

import io.perch.broker.message.Message;

import java.util.List;

/**
 * A message on its way to another node, and what that node is to do with it.
 *
 * @param plain  deliver to the node's plain (non-shared) subscribers that match
 * @param groups shared subscriptions ({@code $share/g/filter} or {@code $queue/filter}) for
 *               which this node was picked: one member of each gets it
 * @param read   where the receiving node read it (its inbox entry), or null before it is read
 */
public record Forward(Message message, boolean plain, List<String> groups, InboxPosition read) {
    public Forward(Message message, boolean plain, List<String> groups) {
        this(message, plain, groups, null);
    }

    /** The same, read at {@code p}. */
    public Forward readAt(InboxPosition p) {
        return new Forward(message, plain, groups, p);
    }
}
