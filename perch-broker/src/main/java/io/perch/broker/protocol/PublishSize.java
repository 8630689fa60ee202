package io.perch.broker.protocol;

import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.UserProperty;
import io.perch.broker.session.Pending;

import java.nio.charset.StandardCharsets;

/** An upper bound of a PUBLISH's encoded size, to honour a client's Maximum Packet Size. */
final class PublishSize {
    private PublishSize() {
    }

    static long estimate(Pending p, boolean v5) {
        var m = p.message();
        long size = 5 /* fixed header, max */ + 2 + utf8(m.topic()) + (p.qos() > 0 ? 2 : 0) + m.payload().length;
        if (v5) {
            size += 4 /* property length */ + 5 /* expiry */ + 3 /* alias */ + 5L * p.subscriptionIds().length;
            PublishProperties pp = m.properties();
            if (pp.payloadFormat() != null) {
                size += 2;
            }
            if (pp.contentType() != null) {
                size += 3 + utf8(pp.contentType());
            }
            if (pp.responseTopic() != null) {
                size += 3 + utf8(pp.responseTopic());
            }
            if (pp.correlationData() != null) {
                size += 3 + pp.correlationData().length;
            }
            for (UserProperty u : pp.userProperties()) {
                size += 5 + utf8(u.key()) + utf8(u.value());
            }
        }
        return size;
    }

    private static int utf8(String s) {
        int n = s.length();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return n;
    }
}
