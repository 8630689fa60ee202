package io.perch.redis.session;

import io.perch.broker.message.SubscriptionOptions;

/**
 * One value of {@code perch:subs:{cid}}: {@code qos|noLocal|retainAsPublished|retainHandling|subscriptionId|shareGroup}
 * (booleans as 0/1; the group last, empty when none, since it may hold '|'). Stateless; any thread.
 */
final class SubscriptionValue {
    private SubscriptionValue() {
    }

    static String encode(SubscriptionOptions o) {
        return o.qos() + "|" + (o.noLocal() ? 1 : 0) + "|" + (o.retainAsPublished() ? 1 : 0) + "|" + o.retainHandling()
                + "|" + o.subscriptionId() + "|" + (o.shareGroup() == null ? "" : o.shareGroup());
    }

    static SubscriptionOptions decode(String v) {
        String[] p = v.split("\\|", 6);
        if (p.length < 6) {
            throw new IllegalArgumentException("not a subscription value");
        }
        return new SubscriptionOptions(Integer.parseInt(p[0]), "1".equals(p[1]), "1".equals(p[2]), Integer.parseInt(p[3]),
                Integer.parseInt(p[4]), p[5].isEmpty() ? null : p[5]);
    }
}
