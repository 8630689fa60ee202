package io.perch.server.config;

import java.util.Collection;

/**
 * Finds the known key closest to a mistyped one (edit distance) for "did you mean". A
 * plugin prefix such as {@code backend.redis.} competes with the same number of leading
 * characters of the typed key and is shown as {@code backend.redis.*}.
 */
final class KeySuggester {
    private KeySuggester() {
    }

    static String closest(String key, Collection<String> keys, Collection<String> prefixes) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : keys) {
            int d = distance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        for (String p : prefixes) {
            String head = key.substring(0, Math.min(key.length(), p.length()));
            int d = distance(head, p);
            if (d < bestDistance) {
                best = p + "*";
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, two rows. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
