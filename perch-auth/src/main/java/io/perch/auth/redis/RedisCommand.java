package io.perch.auth.redis;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One of {@code auth_cmd}, {@code super_cmd}, {@code acl_cmd}: a Redis command, its key and its
 * fields, each of which may hold the placeholders {@code %u} (username), {@code %c} (client id),
 * {@code %C} (TLS certificate common name) and {@code %d} (certificate subject). Immutable.
 */
record RedisCommand(ConfigEntry source, String op, String key, List<String> fields) {

    /** Parses {@code e}'s value; {@code ops} are the commands this key may use. */
    static RedisCommand parse(ConfigEntry e, Set<String> ops) {
        String[] words = e.value().trim().split("\\s+");
        String op = words[0].toUpperCase(Locale.ROOT);
        if (words[0].isEmpty() || !ops.contains(op)) {
            throw new ConfigException(e, "expected a Redis command " + String.join(" or ", ops.stream().sorted().toList())
                    + " with a key, e.g. HMGET mqtt_user:%u password");
        }
        if (words.length < 2) {
            throw new ConfigException(e, op + " needs a key, e.g. " + op + " mqtt_user:%u");
        }
        List<String> fields = List.copyOf(Arrays.asList(words).subList(2, words.length));
        int want = switch (op) {
            case "GET", "HGETALL" -> 0;
            case "HGET" -> 1;
            default -> -1;
        };
        if (want >= 0 && fields.size() != want) {
            throw new ConfigException(e, op + " takes " + (want == 0 ? "only a key" : "a key and one field")
                    + (op.equals("HGET") ? "; for several fields use HMGET" : ""));
        }
        if (op.equals("HMGET") && fields.isEmpty()) {
            throw new ConfigException(e, "HMGET needs fields after the key, e.g. HMGET mqtt_user:%u password salt");
        }
        return new RedisCommand(e, op, words[1], fields);
    }

    /** The key for this client, or null when it names something the client does not have (no username). */
    String key(ClientInfo c) {
        return fill(key, c);
    }

    /** The fields for this client, or null as for {@link #key}. */
    List<String> fields(ClientInfo c) {
        List<String> out = new ArrayList<>(fields.size());
        for (String f : fields) {
            String v = fill(f, c);
            if (v == null) {
                return null;
            }
            out.add(v);
        }
        return out;
    }

    /**
     * Substitutes the placeholders; null when one stands for a value the client lacks: a
     * client without a username is not one of {@code mqtt_user:%u}'s users, and one without a
     * verified TLS client certificate has no {@code %C} (its common name) or {@code %d} (its subject).
     */
    static String fill(String template, ClientInfo c) {
        if (template.indexOf('%') < 0) {
            return template;
        }
        StringBuilder b = new StringBuilder(template.length() + 16);
        for (int i = 0; i < template.length(); i++) {
            char ch = template.charAt(i);
            if (ch != '%' || i + 1 == template.length()) {
                b.append(ch);
                continue;
            }
            char p = template.charAt(i + 1);
            String v;
            switch (p) {
                case 'u' -> v = c.username();
                case 'c' -> v = c.clientId();
                case 'C' -> v = c.certCommonName();
                case 'd' -> v = c.certSubject();
                default -> {
                    b.append(ch);
                    continue;
                }
            }
            if (v == null) {
                return null;
            }
            b.append(v);
            i++;
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return source.value().trim();
    }
}
