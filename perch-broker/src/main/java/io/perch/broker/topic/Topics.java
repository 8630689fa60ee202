package io.perch.broker.topic;

/**
 * Topic name and filter rules of MQTT 3.1.1 section 4.7 / MQTT 5 section 4.7, and the shared
 * subscription syntax ({@code $share/<group>/<filter>}, and EMQ X's {@code $queue/<filter>},
 * which is a share group named {@code $queue}).
 */
public final class Topics {
    private Topics() {
    }

    /** A PUBLISH topic: non-empty, no wildcards, no NUL, within the level limit (0 = none). */
    public static boolean isValidName(String topic, int maxLevels) {
        if (topic == null || topic.isEmpty() || topic.length() > 65535) {
            return false;
        }
        int levels = 1;
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#' || c == 0) {
                return false;
            }
            if (c == '/') {
                levels++;
            }
        }
        return maxLevels <= 0 || levels <= maxLevels;
    }

    /** A subscription filter (without any $share prefix): '#' last and alone in its level, '+' alone in its level. */
    public static boolean isValidFilter(String filter, int maxLevels) {
        if (filter == null || filter.isEmpty() || filter.length() > 65535) {
            return false;
        }
        int levels = 1;
        int len = filter.length();
        for (int i = 0; i < len; i++) {
            char c = filter.charAt(i);
            if (c == 0) {
                return false;
            }
            if (c == '/') {
                levels++;
            } else if (c == '+' || c == '#') {
                boolean startOk = i == 0 || filter.charAt(i - 1) == '/';
                boolean endOk = i == len - 1 || filter.charAt(i + 1) == '/';
                if (!startOk || !endOk || (c == '#' && i != len - 1)) {
                    return false;
                }
            }
        }
        return maxLevels <= 0 || levels <= maxLevels;
    }

    public static boolean hasWildcard(String filter) {
        return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
    }

    /**
     * Whether the topic name matches the filter. A filter starting with a wildcard never matches a
     * topic starting with '$' (MQTT-4.7.2-1). Linear in the topic length, no allocation.
     */
    public static boolean matches(String filter, String topic) {
        if (!topic.isEmpty() && topic.charAt(0) == '$' && !filter.isEmpty()
                && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (f < fl) {
            char fc = filter.charAt(f);
            if (fc == '#') {
                return true;
            }
            if (fc == '+') {
                while (t < tl && topic.charAt(t) != '/') {
                    t++;
                }
                f++;
            } else {
                if (t >= tl || topic.charAt(t) != fc) {
                    // "a/#" matches "a": the filter's "/#" may stand for the parent level
                    return t >= tl && fc == '/' && f + 2 == fl && filter.charAt(f + 1) == '#';
                }
                f++;
                t++;
                continue;
            }
            if (f >= fl) {
                return t >= tl;
            }
            // after '+', the filter must be at a '/'
            if (t >= tl) {
                return filter.charAt(f) == '/' && f + 2 == fl && filter.charAt(f + 1) == '#';
            }
        }
        return t >= tl;
    }

    /**
     * The literal text every matching topic starts with: the levels before the first wildcard,
     * for range scans of a sorted topic index. For {@code a/b/#} it is {@code a/b} (no slash,
     * because {@code #} also matches the parent {@code a/b}); for {@code a/+/c} it is {@code a/}.
     */
    public static String literalPrefix(String filter) {
        int plus = filter.indexOf('+');
        int hash = filter.indexOf('#');
        int cut = plus < 0 ? hash : hash < 0 ? plus : Math.min(plus, hash);
        if (cut < 0) {
            return filter;
        }
        String prefix = filter.substring(0, cut);
        if (cut == hash && prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        return prefix;
    }

    /** A parsed subscription filter: the share group (null when not shared) and the real filter. */
    public record Parsed(String group, String filter) {
        public boolean isShared() {
            return group != null;
        }
    }

    /**
     * Splits {@code $share/group/filter} and {@code $queue/filter}; returns null when a $share
     * filter is malformed (no group, group with wildcards, or empty filter).
     */
    public static Parsed parseSubscription(String raw) {
        if (raw.startsWith("$share/")) {
            int slash = raw.indexOf('/', 7);
            if (slash < 0) {
                return null;
            }
            String group = raw.substring(7, slash);
            String filter = raw.substring(slash + 1);
            if (group.isEmpty() || group.indexOf('+') >= 0 || group.indexOf('#') >= 0 || filter.isEmpty()) {
                return null;
            }
            return new Parsed(group, filter);
        }
        if (raw.startsWith("$queue/")) {
            String filter = raw.substring(7);
            return filter.isEmpty() ? null : new Parsed("$queue", filter);
        }
        return new Parsed(null, raw);
    }

    /** The subscription key a session stores: the filter, or the $share form for shared ones. */
    public static String key(String group, String filter) {
        if (group == null) {
            return filter;
        }
        return group.equals("$queue") ? "$queue/" + filter : "$share/" + group + "/" + filter;
    }
}
