package io.perch.bench.topic;

import java.util.List;

/**
 * Topic templates ({@code %i} client index, {@code %c} client id) and MQTT filter matching.
 * The bench matches publisher topics against subscriber filters itself so that it knows how
 * many copies of each message the broker owes: the denominator of the delivered share.
 */
public final class Topics {
    private Topics() {
    }

    /** Expands {@code %i} and {@code %c}; {@code %%} is a literal percent sign. */
    public static String expand(String template, int index, String clientId) {
        StringBuilder out = new StringBuilder(template.length() + 16);
        for (int i = 0; i < template.length(); i++) {
            char ch = template.charAt(i);
            if (ch == '%' && i + 1 < template.length()) {
                char next = template.charAt(i + 1);
                if (next == 'i') {
                    out.append(index);
                    i++;
                    continue;
                } else if (next == 'c') {
                    out.append(clientId);
                    i++;
                    continue;
                } else if (next == '%') {
                    out.append('%');
                    i++;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    /**
     * MQTT 3.1.1 section 4.7 matching: {@code +} one level, {@code #} this level and all below,
     * and a filter starting with a wildcard does not match a topic starting with {@code $}.
     * A shared subscription {@code $share/group/filter} matches like its filter.
     */
    public static boolean matches(String filter, String topic) {
        String f = stripShare(filter);
        if (topic.startsWith("$") && (f.startsWith("+") || f.startsWith("#"))) {
            return false;
        }
        String[] fl = f.split("/", -1);
        String[] tl = topic.split("/", -1);
        for (int i = 0; i < fl.length; i++) {
            if (fl[i].equals("#")) {
                return true;
            }
            if (i >= tl.length) {
                return false;
            }
            if (!fl[i].equals("+") && !fl[i].equals(tl[i])) {
                return false;
            }
        }
        return fl.length == tl.length;
    }

    /** The share group of a {@code $share/group/filter}, or null for an ordinary filter. */
    public static String shareGroup(String filter) {
        if (!filter.startsWith("$share/")) {
            return null;
        }
        int slash = filter.indexOf('/', 7);
        return slash < 0 ? null : filter.substring(7, slash);
    }

    private static String stripShare(String filter) {
        if (shareGroup(filter) == null) {
            return filter;
        }
        return filter.substring(filter.indexOf('/', 7) + 1);
    }

    /**
     * How many copies of one message on {@code topic} the broker owes to these subscribers:
     * one per matching ordinary subscriber, one per share group with a matching member
     * (a group gets each message once). One filter per subscriber, as the bench subscribes.
     */
    public static int copiesOwed(String topic, List<String> subscriberFilters) {
        int copies = 0;
        java.util.Set<String> groups = new java.util.HashSet<>();
        for (String filter : subscriberFilters) {
            if (!matches(filter, topic)) {
                continue;
            }
            String group = shareGroup(filter);
            if (group == null) {
                copies++;
            } else if (groups.add(group + '\u0000' + stripShare(filter))) {
                copies++;
            }
        }
        return copies;
    }
}
