package io.perch.dashboard.api;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** EMQ X 4 prints times as local "YYYY-MM-DD HH:mm:ss"; the dashboard and scripts parse that. */
final class Times {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private Times() {
    }

    static String format(long epochMillis) {
        return FORMAT.format(Instant.ofEpochMilli(epochMillis));
    }

    /** EMQ X's uptime text, e.g. "2 days, 3 hours, 4 minutes, 5 seconds". */
    static String uptime(long millis) {
        long s = millis / 1000;
        long d = s / 86400;
        long h = s % 86400 / 3600;
        long m = s % 3600 / 60;
        StringBuilder b = new StringBuilder();
        if (d > 0) {
            b.append(d).append(" days, ");
        }
        if (d > 0 || h > 0) {
            b.append(h).append(" hours, ");
        }
        if (d > 0 || h > 0 || m > 0) {
            b.append(m).append(" minutes, ");
        }
        return b.append(s % 60).append(" seconds").toString();
    }
}
