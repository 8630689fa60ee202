package io.perch.redis.session;

import io.perch.broker.persist.Phase;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * One value of {@code perch:out:{cid}}: {@code phase|packetId|messageId|qos|retain|subIds|groupLen|filterLen|group filter}.
 * Phase and packet id come first so that an update rewrites them in Lua without decoding the
 * rest ({@code PERCH.SETHEAD}); the message id third so that the session-delete script finds
 * it with one pattern. Share group and filter may hold '|', so they go last, by length (-1: none).
 * Immutable; any thread.
 */
record OutEntry(Phase phase, int packetId, String messageId, int qos, boolean retain, int[] subscriptionIds,
                String shareGroup, String shareFilter) {

    /** Lua pattern (anchored) that captures the message id of an encoded entry. */
    static final String LUA_MESSAGE_ID = "^[^|]*|[^|]*|([^|]*)|";

    String encode() {
        String ids = subscriptionIds == null ? "" : Arrays.stream(subscriptionIds).mapToObj(Integer::toString)
                .collect(Collectors.joining(","));
        return head(phase, packetId) + '|' + messageId + '|' + qos + '|' + (retain ? 1 : 0) + '|' + ids + '|'
                + len(shareGroup) + '|' + len(shareFilter) + '|' + nz(shareGroup) + nz(shareFilter);
    }

    /** The first two parts, as {@code PERCH.SETHEAD} writes them. */
    static String head(Phase phase, int packetId) {
        return phase.name() + '|' + packetId;
    }

    static OutEntry decode(String v) {
        String[] p = new String[8];
        int from = 0;
        for (int i = 0; i < 8; i++) {
            int bar = v.indexOf('|', from);
            if (bar < 0) {
                throw new IllegalArgumentException("not a session message entry");
            }
            p[i] = v.substring(from, bar);
            from = bar + 1;
        }
        int gl = Integer.parseInt(p[6]);
        int fl = Integer.parseInt(p[7]);
        String group = gl < 0 ? null : v.substring(from, from + gl);
        int f2 = from + Math.max(gl, 0);
        String filter = fl < 0 ? null : v.substring(f2, f2 + fl);
        int[] ids = p[5].isEmpty() ? new int[0] : Arrays.stream(p[5].split(",")).mapToInt(Integer::parseInt).toArray();
        return new OutEntry(Phase.valueOf(p[0]), Integer.parseInt(p[1]), p[2], Integer.parseInt(p[3]), "1".equals(p[4]),
                ids, group, filter);
    }

    private static int len(String s) {
        return s == null ? -1 : s.length();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
