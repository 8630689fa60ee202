package io.perch.dashboard.http;

import io.perch.auth.file.MosquittoHash;
import io.perch.broker.plugin.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;

/**
 * The dashboard user's login and password hash ({@code $7$}, PBKDF2-SHA512). The password comes
 * from the config ({@code dashboard.default_user.password}, hashed while parsing) until it is
 * changed through {@code PUT /api/v4/change_pwd/{username}}; the new hash is then kept in
 * {@code <dataDir>/dashboard/admin.passwd} (one {@code login:$7$...} line, owner-readable only,
 * replaced atomically), and that file wins over the config at the next start. No plain password
 * is kept.
 */
public final class AdminPassword {
    public static final int MIN_LENGTH = 8;
    public static final String FILE = "dashboard/admin.passwd";
    private static final byte[] DEFAULT = "public".getBytes(StandardCharsets.UTF_8);

    /** Where the password in force comes from: a config line, or the stored file. */
    private record State(String login, MosquittoHash.Parsed hash, String source, boolean stored, boolean isDefault) {
    }

    private final Path file;
    private volatile State state;

    private AdminPassword(Path file, State state) {
        this.file = file;
        this.state = state;
    }

    /**
     * The stored file when it exists, else the configured hash.
     *
     * @param file     {@code <dataDir>/dashboard/admin.passwd}; null when there is nowhere to store one
     * @param where    {@code file:line} of the config entry that set the password
     * @throws ConfigException naming the stored file and line when it cannot be used
     */
    public static AdminPassword load(String login, String configHash, String where, boolean configDefault, Path file) {
        if (file != null && Files.exists(file)) {
            return new AdminPassword(file, readStored(file));
        }
        return new AdminPassword(file, new State(login, MosquittoHash.parse(configHash), where, false, configDefault));
    }

    private static State readStored(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the stored dashboard password: " + e.getMessage());
        }
        String fix = "; fix it, or delete it to fall back to dashboard.default_user.password";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(file + ":" + (i + 1) + ": expected login:$7$... (the hash is not shown)" + fix);
            }
            MosquittoHash.Parsed hash;
            try {
                hash = MosquittoHash.parse(line.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ":" + (i + 1) + ": " + e.getMessage() + fix);
            }
            return new State(line.substring(0, colon), hash, file.toString(), true, MosquittoHash.verify(hash, DEFAULT));
        }
        throw new ConfigException(file + ": no login:$7$... line" + fix);
    }

    public String login() {
        return state.login;
    }

    /** {@code file:line} of the config entry, or the stored file's path. */
    public String source() {
        return state.source;
    }

    /** Whether the password in force comes from {@code admin.passwd} rather than the config. */
    public boolean stored() {
        return state.stored;
    }

    /** Whether the password in force is still "public". */
    public boolean isDefault() {
        return state.isDefault;
    }

    /** Login compared in constant time, password verified against the hash. */
    public boolean check(String user, String password) {
        State s = state;
        if (user == null || password == null) {
            return false;
        }
        boolean loginOk = MessageDigest.isEqual(s.login.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8));
        // Always hash, so a wrong login takes as long as a wrong password.
        boolean passOk = MosquittoHash.verify(s.hash, password.getBytes(StandardCharsets.UTF_8));
        return loginOk && passOk;
    }

    /**
     * Checks and stores a new password. The caller revokes tokens.
     *
     * @throws ApiException 400 for an unknown user, a wrong old password or a weak new one;
     *                      500 when the file cannot be written (the old password stays in force)
     */
    public synchronized void change(String user, String oldPassword, String newPassword) {
        State s = state;
        if (!s.login.equals(user)) {
            throw ApiException.badParam("no such dashboard user: " + user);
        }
        if (!check(user, oldPassword)) {
            throw new ApiException(400, ApiException.BAD_CREDENTIALS, "the old password is wrong");
        }
        if (newPassword.equals("public")) {
            throw ApiException.badParam("the new password must not be the default \"public\"");
        }
        if (newPassword.codePointCount(0, newPassword.length()) < MIN_LENGTH) {
            throw ApiException.badParam("the new password must be at least " + MIN_LENGTH + " characters");
        }
        if (file == null) {
            throw new ApiException(500, ApiException.UNKNOWN, "no data directory to store the password in");
        }
        String hash = MosquittoHash.hash7(newPassword.getBytes(StandardCharsets.UTF_8), MosquittoHash.DEFAULT_ITERATIONS);
        try {
            write(file, s.login + ":" + hash + "\n");
        } catch (IOException e) {
            throw new ApiException(500, ApiException.UNKNOWN, "cannot store the new password in " + file + ": " + e.getMessage());
        }
        state = new State(s.login, MosquittoHash.parse(hash), file.toString(), true, false);
    }

    /** Temp file (owner read/write only) in the same directory, then an atomic rename over the old one. */
    private static void write(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path tmp = posix
                ? Files.createTempFile(dir, ".admin.passwd", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, ".admin.passwd", ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
