package io.perch.auth.acl;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.topic.Topics;

/**
 * A rule's topic filter against a requested topic (publish) or filter (subscribe), with
 * {@code %u} (username) and {@code %c} (client id) filled in. A placeholder whose value is
 * missing, or holds a wildcard or a level separator, makes the rule not match: a user named
 * {@code #} must not turn {@code devices/%u/#} into every topic. A subscribe request's
 * wildcards are matched as plain levels, so {@code a/#} in a rule covers a request for
 * {@code a/+}, and {@code a/+} does not cover {@code a/#} (as EMQ X and Mosquitto check).
 * Stateless.
 */
public final class TopicPatterns {
    private TopicPatterns() {
    }

    /** The filter with placeholders filled in, or null when one cannot be. */
    public static String fill(String pattern, ClientInfo client) {
        if (pattern.indexOf('%') < 0) {
            return pattern;
        }
        StringBuilder out = new StringBuilder(pattern.length() + 16);
        for (int i = 0; i < pattern.length(); i++) {
            char ch = pattern.charAt(i);
            if (ch == '%' && i + 1 < pattern.length() && (pattern.charAt(i + 1) == 'u' || pattern.charAt(i + 1) == 'c')) {
                String v = pattern.charAt(i + 1) == 'u' ? client.username() : client.clientId();
                if (v == null || v.isEmpty() || v.indexOf('+') >= 0 || v.indexOf('#') >= 0 || v.indexOf('/') >= 0) {
                    return null;
                }
                out.append(v);
                i++;
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    /** Whether the rule's (filled) filter covers the requested topic or filter. */
    public static boolean covers(String ruleFilter, String requested) {
        return Topics.matches(ruleFilter, requested);
    }

    /** A subscribe request without its {@code $share/group/} or {@code $queue/} prefix: rules speak of the topic. */
    public static String subscribed(String requested) {
        Topics.Parsed p = Topics.parseSubscription(requested);
        return p == null ? requested : p.filter();
    }
}
