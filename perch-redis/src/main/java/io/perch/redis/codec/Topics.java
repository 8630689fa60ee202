package io.perch.redis.codec;

/**
 * MQTT topic filter matching as rules and wildcard lookups need it: {@code +} one level,
 * {@code #} this level and all below (also the parent: {@code a/#} matches {@code a}), and
 * no leading wildcard matches a topic starting with {@code $} (MQTT-4.7.2-1).
 */
public final class Topics {
    private Topics() {
    }

    public static boolean hasWildcard(String filter) {
        return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
    }

    /** Walks both strings level by level without splitting them: it runs for every publish and ack. */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (true) {
            int fEnd = filter.indexOf('/', f);
            if (fEnd < 0) {
                fEnd = fl;
            }
            if (fEnd - f == 1 && filter.charAt(f) == '#') {
                return fEnd == fl;
            }
            if (t > tl) {
                return false; // the topic has fewer levels
            }
            int tEnd = topic.indexOf('/', t);
            if (tEnd < 0) {
                tEnd = tl;
            }
            boolean plus = fEnd - f == 1 && filter.charAt(f) == '+';
            if (!plus && (fEnd - f != tEnd - t || !filter.regionMatches(f, topic, t, fEnd - f))) {
                return false;
            }
            if (fEnd == fl) {
                return tEnd == tl;
            }
            f = fEnd + 1;
            t = tEnd + 1;
        }
    }

    /**
     * The literal text every matching topic starts with: the levels before the first wildcard.
     * For {@code a/b/#} it is {@code a/b} (no slash, because {@code #} also matches the parent
     * {@code a/b}); for {@code a/+/c} it is {@code a/}.
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

    /** True when the filter is well formed: wildcards fill whole levels and '#' is last. */
    public static boolean isValidFilter(String filter) {
        if (filter.isEmpty()) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
                return false;
            }
            if (l.contains("+") && !l.equals("+")) {
                return false;
            }
        }
        return true;
    }
}
