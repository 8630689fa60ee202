package io.perch.auth.acl;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Mosquitto {@code acl_file}: {@code topic [read|write|readwrite|deny] T} lines before the
 * first {@code user} line apply to clients without a username; after {@code user U}, to that
 * user; {@code pattern [access] T} lines (with {@code %u}, {@code %c}) to every client. As in
 * Mosquitto, a matching {@code deny} line wins over any grant; otherwise a line whose access
 * covers the request grants it (read: subscribe, write: publish; no access word means
 * readwrite). A request no line grants is not decided here: with Mosquitto's behaviour in mind
 * set {@code acl_nomatch = deny}. Immutable.
 */
public final class MosquittoAclFile implements AclRules {
    /** One topic or pattern line; {@code text} is the line as written. */
    private record Line(boolean read, boolean write, boolean deny, String topic, String text) {
        AclRules.Rule view(String who) {
            String action = read && write ? "pubsub" : write ? "publish" : "subscribe";
            return new AclRules.Rule(deny ? "deny" : "allow", who, action, List.of(topic), text);
        }
    }

    private final List<Line> anonymous;
    private final Map<String, List<Line>> users;
    private final List<Line> patterns;

    private final List<AclRules.Rule> views = new ArrayList<>();

    private MosquittoAclFile(List<Line> anonymous, Map<String, List<Line>> users, List<Line> patterns) {
        this.anonymous = anonymous;
        this.users = users;
        this.patterns = patterns;
        anonymous.forEach(l -> views.add(l.view("anonymous")));
        users.forEach((u, lines) -> lines.forEach(l -> {
            AclRules.Rule v = l.view("user " + u);
            views.add(new AclRules.Rule(v.permission(), v.who(), v.action(), v.topics(), text(l, u)));
        }));
        patterns.forEach(l -> views.add(l.view("all (pattern)")));
    }

    public static MosquittoAclFile read(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
    }

    public static MosquittoAclFile parse(List<String> lines, String file) {
        List<Line> anonymous = new ArrayList<>();
        Map<String, List<Line>> users = new LinkedHashMap<>();
        List<Line> patterns = new ArrayList<>();
        List<Line> current = anonymous;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            String[] kw = line.split("\\s+", 2);
            switch (kw[0]) {
                case "user" -> {
                    if (kw.length < 2) {
                        throw new IllegalArgumentException(where + "'user' needs a username");
                    }
                    current = users.computeIfAbsent(kw[1].strip(), u -> new ArrayList<>());
                }
                case "topic" -> current.add(access(kw, where, line));
                case "pattern" -> patterns.add(access(kw, where, line));
                default -> throw new IllegalArgumentException(where + "expected 'user', 'topic' or 'pattern', found '"
                        + kw[0] + "'");
            }
        }
        users.replaceAll((u, l) -> List.copyOf(l));
        // File order kept: the dashboard lists the rules as the file has them.
        return new MosquittoAclFile(List.copyOf(anonymous), java.util.Collections.unmodifiableMap(users),
                List.copyOf(patterns));
    }

    /** {@code [read|write|readwrite|deny] topic}; the topic may contain spaces, as in Mosquitto. */
    private static Line access(String[] kw, String where, String text) {
        if (kw.length < 2) {
            throw new IllegalArgumentException(where + "'" + kw[0] + "' needs a topic");
        }
        String[] rest = kw[1].split("\\s+", 2);
        String topic;
        boolean read = true;
        boolean write = true;
        boolean deny = false;
        switch (rest[0]) {
            case "read" -> write = false;
            case "write" -> read = false;
            case "readwrite" -> { }
            case "deny" -> deny = true;
            default -> {
                return new Line(true, true, false, kw[1].strip(), text);
            }
        }
        if (rest.length < 2 || rest[1].isBlank()) {
            throw new IllegalArgumentException(where + "'" + kw[0] + " " + rest[0] + "' needs a topic");
        }
        topic = rest[1].strip();
        return new Line(read, write, deny, topic, text);
    }

    @Override
    public Match match(ClientInfo client, AclCheckEvent.Action action, String topic) {
        boolean publish = action == AclCheckEvent.Action.PUBLISH;
        String requested = publish ? topic : TopicPatterns.subscribed(topic);
        String user = client.username();
        List<Line> own = user == null || user.isEmpty() ? anonymous : users.getOrDefault(user, List.of());
        String granted = null; // the first granting line's text
        for (List<Line> set : List.of(own, patterns)) {
            boolean isPattern = set == patterns;
            for (Line l : set) {
                String filter = isPattern ? TopicPatterns.fill(l.topic(), client) : l.topic();
                if (filter == null || !TopicPatterns.covers(filter, requested)) {
                    continue;
                }
                if (l.deny()) {
                    return new Match(AclCheckEvent.Decision.DENY, text(l, isPattern ? null : user));
                }
                if (granted == null && (publish ? l.write() : l.read())) {
                    granted = text(l, isPattern ? null : user);
                }
            }
        }
        return granted == null ? Match.NONE : new Match(AclCheckEvent.Decision.ALLOW, granted);
    }

    /** The line's text as {@link #rules} lists it (a user's lines are prefixed with {@code user U:}). */
    private static String text(Line l, String user) {
        return user == null || user.isEmpty() ? l.text() : "user " + user + ": " + l.text();
    }

    @Override
    public List<AclRules.Rule> rules() {
        return java.util.Collections.unmodifiableList(views);
    }
}
