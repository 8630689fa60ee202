package io.perch.auth.acl;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An EMQ X {@code acl.conf}: rules such as {@code {allow, {user, "dashboard"}, subscribe,
 * ["$SYS/#"]}.}, {@code {deny, all, subscribe, ["$SYS/#", {eq, "#"}]}.} and {@code {allow, all}.},
 * checked in file order; the first rule that matches the client, the access and the topic
 * decides, as in EMQ X 4. Who: {@code all}, {@code {user, U}}, {@code {client, C}}
 * ({@code clientid} too), {@code {ipaddr, "10.0.0.0/8"}}, {@code {ipaddrs, [...]}},
 * {@code {'and', [...]}}, {@code {'or', [...]}}. Access: {@code publish}, {@code subscribe},
 * {@code pubsub}. Topics: filters with {@code %u} / {@code %c}, or {@code {eq, T}} for the
 * literal filter T (so {@code {eq, "#"}} denies subscribing to everything without denying
 * every topic). Immutable.
 */
public final class EmqxAclFile implements AclRules {
    /** One topic of a rule: a filter with placeholders, or a literal ({@code eq}). */
    private record TopicSpec(String text, boolean eq) {
        String written() {
            String q = '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            return eq ? "{eq, " + q + "}" : q;
        }
    }

    private record Rule(boolean allow, Who who, boolean publish, boolean subscribe, List<TopicSpec> topics) {
        /** The rule as acl.conf writes it (comments and spacing aside). */
        AclRules.Rule view() {
            String permission = allow ? "allow" : "deny";
            String access = publish && subscribe ? "pubsub" : publish ? "publish" : "subscribe";
            List<String> t = topics == null ? List.of() : topics.stream().map(TopicSpec::written).toList();
            String text = who instanceof Who.All && topics == null && publish && subscribe ? "{" + permission + ", all}."
                    : "{" + permission + ", " + who.text() + ", " + access + ", "
                    + (topics == null ? "all" : "[" + String.join(", ", t) + "]") + "}.";
            return new AclRules.Rule(permission, who.text(), access, topics == null ? List.of("all") : t, text);
        }
    }

    private final List<Rule> rules;
    private final List<AclRules.Rule> views;

    private EmqxAclFile(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.views = this.rules.stream().map(Rule::view).toList();
    }

    public static EmqxAclFile read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses the text; errors are IllegalArgumentExceptions naming file and line. */
    public static EmqxAclFile parse(String text, String file) {
        List<Rule> rules = new ArrayList<>();
        for (ErlangTerms.Term t : ErlangTerms.read(text, file)) {
            try {
                rules.add(rule(t));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + t.line() + ": " + e.getMessage());
            }
        }
        return new EmqxAclFile(rules);
    }

    private static Rule rule(ErlangTerms.Term t) {
        if (!(t instanceof ErlangTerms.Tuple tuple) || (tuple.items().size() != 2 && tuple.items().size() != 4)) {
            throw new IllegalArgumentException("a rule is {allow|deny, Who, publish|subscribe|pubsub, [Topics]} "
                    + "or {allow|deny, all}");
        }
        List<ErlangTerms.Term> it = tuple.items();
        boolean allow = switch (atom(it.get(0))) {
            case "allow" -> true;
            case "deny" -> false;
            default -> throw new IllegalArgumentException("a rule starts with allow or deny");
        };
        if (it.size() == 2) {
            if (!"all".equals(atom(it.get(1)))) {
                throw new IllegalArgumentException("a two-element rule is {allow, all} or {deny, all}");
            }
            return new Rule(allow, new Who.All(), true, true, null);
        }
        Who who = who(it.get(1));
        String access = atom(it.get(2));
        boolean publish = access.equals("publish") || access.equals("pubsub");
        boolean subscribe = access.equals("subscribe") || access.equals("pubsub");
        if (!publish && !subscribe) {
            throw new IllegalArgumentException("access is publish, subscribe or pubsub, not " + access);
        }
        List<TopicSpec> topics = new ArrayList<>();
        if (it.get(3) instanceof ErlangTerms.Atom a && a.name().equals("all")) {
            topics = null;
        } else if (it.get(3) instanceof ErlangTerms.ListTerm list) {
            for (ErlangTerms.Term x : list.items()) {
                topics.add(topic(x));
            }
        } else {
            throw new IllegalArgumentException("topics are a list such as [\"t/#\", {eq, \"#\"}]");
        }
        return new Rule(allow, who, publish, subscribe, topics);
    }

    private static TopicSpec topic(ErlangTerms.Term x) {
        if (x instanceof ErlangTerms.Str s) {
            return new TopicSpec(s.value(), false);
        }
        if (x instanceof ErlangTerms.Tuple t && t.items().size() == 2 && "eq".equals(atomOrNull(t.items().get(0)))
                && t.items().get(1) instanceof ErlangTerms.Str s) {
            return new TopicSpec(s.value(), true);
        }
        throw new IllegalArgumentException("a topic is a string or {eq, \"literal\"}");
    }

    private static Who who(ErlangTerms.Term t) {
        if (t instanceof ErlangTerms.Atom a && a.name().equals("all")) {
            return new Who.All();
        }
        if (t instanceof ErlangTerms.Tuple tuple && tuple.items().size() == 2) {
            String kind = atom(tuple.items().get(0));
            ErlangTerms.Term v = tuple.items().get(1);
            switch (kind) {
                case "user", "username":
                    return new Who.User(str(v));
                case "client", "clientid":
                    return new Who.Client(str(v));
                case "ipaddr":
                    return Who.Ip.parse(str(v));
                case "ipaddrs": {
                    List<Who> any = new ArrayList<>();
                    for (ErlangTerms.Term x : list(v)) {
                        any.add(Who.Ip.parse(str(x)));
                    }
                    return new Who.Or(any);
                }
                case "and", "or": {
                    List<Who> parts = new ArrayList<>();
                    for (ErlangTerms.Term x : list(v)) {
                        parts.add(who(x));
                    }
                    return kind.equals("and") ? new Who.And(parts) : new Who.Or(parts);
                }
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("who is all, {user, \"U\"}, {client, \"C\"}, {ipaddr, \"CIDR\"}, "
                + "{ipaddrs, [...]}, {'and', [...]} or {'or', [...]}");
    }

    private static String atom(ErlangTerms.Term t) {
        String a = atomOrNull(t);
        if (a == null) {
            throw new IllegalArgumentException("expected an atom where the rule has " + describe(t));
        }
        return a;
    }

    private static String atomOrNull(ErlangTerms.Term t) {
        return t instanceof ErlangTerms.Atom a ? a.name() : null;
    }

    private static String str(ErlangTerms.Term t) {
        if (t instanceof ErlangTerms.Str s) {
            return s.value();
        }
        throw new IllegalArgumentException("expected a \"string\" where the rule has " + describe(t));
    }

    private static List<ErlangTerms.Term> list(ErlangTerms.Term t) {
        if (t instanceof ErlangTerms.ListTerm l) {
            return l.items();
        }
        throw new IllegalArgumentException("expected a [list] where the rule has " + describe(t));
    }

    private static String describe(ErlangTerms.Term t) {
        if (t instanceof ErlangTerms.Atom a) {
            return "the atom " + a.name();
        }
        return t instanceof ErlangTerms.Tuple ? "a tuple" : t instanceof ErlangTerms.ListTerm ? "a list"
                : t instanceof ErlangTerms.Str ? "a string" : "a number";
    }

    @Override
    public Match match(ClientInfo client, AclCheckEvent.Action action, String topic) {
        boolean publish = action == AclCheckEvent.Action.PUBLISH;
        String requested = publish ? topic : TopicPatterns.subscribed(topic);
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if ((publish ? !r.publish() : !r.subscribe()) || !r.who().matches(client) || !covers(r, client, requested)) {
                continue;
            }
            return new Match(r.allow() ? AclCheckEvent.Decision.ALLOW : AclCheckEvent.Decision.DENY, views.get(i).text());
        }
        return Match.NONE;
    }

    @Override
    public List<AclRules.Rule> rules() {
        return views;
    }

    private static boolean covers(Rule r, ClientInfo client, String requested) {
        if (r.topics() == null) {
            return true;
        }
        for (TopicSpec t : r.topics()) {
            if (t.eq()) {
                if (t.text().equals(requested)) {
                    return true;
                }
                continue;
            }
            String filter = TopicPatterns.fill(t.text(), client);
            if (filter != null && TopicPatterns.covers(filter, requested)) {
                return true;
            }
        }
        return false;
    }
}
