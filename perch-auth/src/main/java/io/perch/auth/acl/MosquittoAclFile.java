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
    private record Line(boolean read, boolean write, boolean deny, String topic) {
    }

    private final List<Line> anonymous;
    private final Map<String, List<Line>> users;
    private final List<Line> patterns;

    private MosquittoAclFile(List<Line> anonymous, Map<String, List<Line>> users, List<Line> patterns) {
        this.anonymous = anonymous;
        this.users = users;
        this.patterns = patterns;
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
                case "topic" -> current.add(access(kw, where));
                case "pattern" -> patterns.add(access(kw, where));
                default -> throw new IllegalArgumentException(where + "expected 'user', 'topic' or 'pattern', found '"
                        + kw[0] + "'");
            }
        }
        users.replaceAll((u, l) -> List.copyOf(l));
        return new MosquittoAclFile(List.copyOf(anonymous), Map.copyOf(users), List.copyOf(patterns));
    }

    /** {@code [read|write|readwrite|deny] topic}; the topic may contain spaces, as in Mosquitto. */
    private static Line access(String[] kw, String where) {
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
                return new Line(true, true, false, kw[1].strip());
            }
        }
        if (rest.length < 2 || rest[1].isBlank()) {
            throw new IllegalArgumentException(where + "'" + kw[0] + " " + rest[0] + "' needs a topic");
        }
        topic = rest[1].strip();
        return new Line(read, write, deny, topic);
    }

    @Override
    public AclCheckEvent.Decision check(ClientInfo client, AclCheckEvent.Action action, String topic) {
        boolean publish = action == AclCheckEvent.Action.PUBLISH;
        String requested = publish ? topic : TopicPatterns.subscribed(topic);
        String user = client.username();
        List<Line> own = user == null || user.isEmpty() ? anonymous : users.getOrDefault(user, List.of());
        boolean granted = false;
        for (List<Line> set : List.of(own, patterns)) {
            boolean isPattern = set == patterns;
            for (Line l : set) {
                String filter = isPattern ? TopicPatterns.fill(l.topic(), client) : l.topic();
                if (filter == null || !TopicPatterns.covers(filter, requested)) {
                    continue;
                }
                if (l.deny()) {
                    return AclCheckEvent.Decision.DENY;
                }
                granted |= publish ? l.write() : l.read();
            }
        }
        return granted ? AclCheckEvent.Decision.ALLOW : AclCheckEvent.Decision.IGNORE;
    }

    @Override
    public int size() {
        return anonymous.size() + patterns.size() + users.values().stream().mapToInt(List::size).sum();
    }
}
