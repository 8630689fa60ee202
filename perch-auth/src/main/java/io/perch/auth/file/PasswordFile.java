package io.perch.auth.file;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Mosquitto password file: one {@code username:hash} per line ({@link MosquittoHash}), blank
 * lines and {@code #} comments allowed, as {@code mosquitto_passwd} writes it; a line may also
 * hold a SCRAM-SHA-256 verifier ({@link Credential}), which Mosquitto itself would not read. Immutable once
 * read; {@link #with} and {@link #without} make the next version, {@link #write} replaces the
 * file atomically.
 */
public final class PasswordFile {
    private final Map<String, String> stored;
    private final Map<String, Credential> parsed;

    private PasswordFile(Map<String, String> stored, Map<String, Credential> parsed) {
        this.stored = stored;
        this.parsed = parsed;
    }

    public static PasswordFile empty() {
        return new PasswordFile(Map.of(), Map.of());
    }

    /** Reads the file; a bad line is an IllegalArgumentException naming file and line (never the hash). */
    public static PasswordFile read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> stored = new LinkedHashMap<>();
        Map<String, Credential> parsed = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected username:hash");
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            try {
                parsed.put(user, Credential.parse(hash));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": user " + user + ": " + e.getMessage());
            }
            if (stored.put(user, hash) != null) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": user " + user + " is listed twice");
            }
        }
        return new PasswordFile(Collections.unmodifiableMap(stored), Collections.unmodifiableMap(parsed));
    }

    /** The user's credential, or null when the file does not know the user. */
    public Credential credential(String username) {
        return parsed.get(username);
    }

    public List<String> users() {
        return List.copyOf(stored.keySet());
    }

    /**
     * The kind of hash held for {@code user} ({@code PBKDF2-SHA512} for $7$, {@code SHA512}
     * for $6$, {@code SCRAM-SHA-256}), or null for an unknown user; never the hash itself.
     */
    public String hashKind(String user) {
        Credential c = parsed.get(user);
        if (c == null) {
            return null;
        }
        if (c.scram() != null) {
            return "SCRAM-SHA-256";
        }
        return stored.get(user).startsWith("$7$") ? "PBKDF2-SHA512" : "SHA512";
    }

    /** This file with {@code user}'s password set (added, or replaced in place). */
    public PasswordFile with(String user, String hash) {
        if (user.isEmpty() || user.indexOf(':') >= 0 || user.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a username may not be empty or contain ':' or a line break");
        }
        Map<String, String> s = new LinkedHashMap<>(stored);
        Map<String, Credential> p = new LinkedHashMap<>(parsed);
        s.put(user, hash);
        p.put(user, Credential.parse(hash));
        return new PasswordFile(Collections.unmodifiableMap(s), Collections.unmodifiableMap(p));
    }

    /** This file without {@code user}. */
    public PasswordFile without(String user) {
        Map<String, String> s = new LinkedHashMap<>(stored);
        Map<String, Credential> p = new LinkedHashMap<>(parsed);
        s.remove(user);
        p.remove(user);
        return new PasswordFile(Collections.unmodifiableMap(s), Collections.unmodifiableMap(p));
    }

    /**
     * Writes the file through a temporary file and a rename, so a broker reloading it never
     * reads half of it; readable by the owner only (it holds hashes), as mosquitto_passwd does.
     */
    public void write(Path file) throws IOException {
        List<String> out = new ArrayList<>(stored.size());
        stored.forEach((u, h) -> out.add(u + ":" + h));
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".perch-passwd", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the directory's ACL applies.
            }
            Files.write(tmp, out, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
