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
 * @param again  routed again under the id it had (an MQTT 3 QoS 2 resend whose first routing's
 *               writes failed): a session there that holds it writes it again rather than
 *               taking a second copy ({@code DurableWrites.routedAgain})
 */
public record Forward(Message message, boolean plain, List<String> groups, InboxPosition read, boolean again) {
    public Forward(Message message, boolean plain, List<String> groups) {
        this(message, plain, groups, null, false);
    }

    public Forward(Message message, boolean plain, List<String> groups, InboxPosition read) {
        this(message, plain, groups, read, false);
    }

    public Forward(Message message, boolean plain, List<String> groups, boolean again) {
        this(message, plain, groups, null, again);
    }

    /** The same, read at {@code p}. */
    public Forward readAt(InboxPosition p) {
        return new Forward(message, plain, groups, p, again);
    }
}
