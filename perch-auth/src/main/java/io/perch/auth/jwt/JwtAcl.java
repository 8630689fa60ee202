package io.perch.auth.jwt;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ACL a token carries, in EMQ X 4.3's format:
 * {@code {"pub": ["t/1", "t/%u/#"], "sub": ["t/+"], "all": ["x/#"]}}. A publish is allowed when
 * a filter of {@code pub} or {@code all} matches its topic; a subscription when a filter of
 * {@code sub} or {@code all} covers the whole subscribed filter (every topic it can match is
 * allowed: {@code t/#} covers {@code t/+}, not the reverse). {@code %u} and {@code %c} stand for
 * the username and the client id (a rule with {@code %u} never matches a client without a
 * username), and {@code eq t/#} matches the subscription filter {@code t/#} literally. A shared
 * subscription ({@code $share/g/t}, {@code $queue/t}) is checked as its filter {@code t}.
 * Immutable.
 */
record JwtAcl(List<String> pub, List<String> sub, List<String> all) {

    /** Reads the claim's value, or throws IllegalArgumentException saying what is wrong with it. */
    static JwtAcl parse(Object claim) {
        if (!(claim instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("not an object of pub/sub/all lists");
        }
        return new JwtAcl(list(m, "pub"), list(m, "sub"), list(m, "all"));
    }

    private static List<String> list(Map<?, ?> m, String name) {
        Object v = m.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException("'" + name + "' is not a list of topic filters");
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s) || s.isEmpty()) {
                throw new IllegalArgumentException("'" + name + "' holds something other than topic filters");
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    boolean allows(ClientInfo client, AclCheckEvent.Action action, String topic) {
        List<String> own = action == AclCheckEvent.Action.PUBLISH ? pub : sub;
        return anyMatches(own, client, action, topic) || anyMatches(all, client, action, topic);
    }

    private static boolean anyMatches(List<String> rules, ClientInfo client, AclCheckEvent.Action action, String topic) {
        for (String rule : rules) {
            if (matches(rule, client, action, topic)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(String rule, ClientInfo client, AclCheckEvent.Action action, String topic) {
        boolean literal = rule.startsWith("eq ");
        String filter = fill(literal ? rule.substring(3) : rule, client);
        if (filter == null) {
            return false;
        }
        if (literal) {
            return filter.equals(topic);
        }
        if (action == AclCheckEvent.Action.PUBLISH) {
            return Topics.matches(filter, topic);
        }
        Topics.Parsed parsed = Topics.parseSubscription(topic);
        return parsed != null && covers(filter, parsed.filter());
    }

    /** The rule with %u and %c replaced, or null when it needs a username the client has not. */
    private static String fill(String rule, ClientInfo client) {
        if (rule.indexOf('%') < 0) {
            return rule;
        }
        if (rule.contains("%u")) {
            if (client.username() == null || client.username().isEmpty()) {
                return null;
            }
            rule = rule.replace("%u", client.username());
        }
        return rule.replace("%c", client.clientId());
    }

    /**
     * Whether every topic the subscription filter can match also matches the rule filter: level by
     * level, a rule {@code #} covers the rest, a rule {@code +} covers any one level but {@code #},
     * a literal level covers only itself. A rule starting with a wildcard does not cover a filter
     * starting with {@code $} (MQTT-4.7.2-1).
     */
    static boolean covers(String rule, String filter) {
        String[] r = rule.split("/", -1);
        String[] f = filter.split("/", -1);
        if (filter.startsWith("$") && (r[0].equals("+") || r[0].equals("#"))) {
            return false;
        }
        for (int i = 0; i < r.length; i++) {
            if (r[i].equals("#")) {
                return true;
            }
            if (i >= f.length) {
                return false;
            }
            if (r[i].equals("+")) {
                if (f[i].equals("#")) {
                    return false;
                }
            } else if (!r[i].equals(f[i])) {
                return false;
            }
        }
        return r.length == f.length;
    }
}
