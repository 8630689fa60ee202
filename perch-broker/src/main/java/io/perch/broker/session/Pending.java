package io.perch.broker.session;

import io.perch.broker.message.Message;

/**
 * A message on its way to one session: the shared message plus what this subscriber gets
 * (granted QoS, retain flag as sent, subscription identifiers) and, for a shared
 * subscription, the group it came through so it can be handed to another member.
 *
 * @param seq the number a durable session gave it when it accepted it (0 otherwise): its key
 *            in the session's stored state ({@link io.perch.broker.persist.Change})
 */
public record Pending(Message message, int qos, boolean retain, int[] subscriptionIds, String shareGroup,
                      String shareFilter, long seq) {
    static final int[] NO_IDS = new int[0];

    public static Pending of(Message m, int qos, boolean retain, int[] subIds) {
        return new Pending(m, qos, retain, subIds == null ? NO_IDS : subIds, null, null, 0);
    }

    /** Through a shared subscription of {@code group} on {@code filter}. */
    public static Pending shared(Message m, int qos, boolean retain, int[] subIds, String group, String filter) {
        return new Pending(m, qos, retain, subIds == null ? NO_IDS : subIds, group, filter, 0);
    }

    public Pending withSeq(long s) {
        return new Pending(message, qos, retain, subscriptionIds, shareGroup, shareFilter, s);
    }

    public boolean isShared() {
        return shareGroup != null;
    }
}
