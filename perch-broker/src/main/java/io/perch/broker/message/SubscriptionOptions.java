package io.perch.broker.message;

/**
 * Options of one subscription (MQTT 5 SUBSCRIBE options; MQTT 3 uses only qos).
 *
 * @param subscriptionId MQTT 5 subscription identifier, 0 when none
 * @param shareGroup     the group of a {@code $share/group/filter} (or "$queue") subscription, else null
 */
public record SubscriptionOptions(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                                  int subscriptionId, String shareGroup) {

    public static SubscriptionOptions ofQos(int qos) {
        return new SubscriptionOptions(qos, false, false, 0, 0, null);
    }

    public boolean isShared() {
        return shareGroup != null;
    }
}
