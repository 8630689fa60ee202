package io.perch.broker.session;

import io.perch.broker.message.Message;

/**
 * A message on its way to one session: the shared message plus what this subscriber gets
 * (granted QoS, retain flag as sent, subscription identifiers) and, for a shared
 * subscription, the group it came through so it can be handed to another member.
 */
public record Pending(Message message, int qos, boolean retain, int[] subscriptionIds, String shareGroup,
                      String shareFilter) {
    static final int[] NO_IDS = new int[0];

    public static Pending of(Message m, int qos, boolean retain, int[] subIds) {
        return new Pending(m, qos, retain, subIds == null ? NO_IDS : subIds, null, null);
    }

    public boolean isShared() {
        return shareGroup != null;
    }
}
