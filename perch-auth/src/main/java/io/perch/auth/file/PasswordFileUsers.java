package io.perch.auth.file;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The password file's users as the dashboard manages them: listed from the file on disk, and
 * added, changed or deleted with the calls {@code bin/perch passwd} makes ({@link PasswordFile#read},
 * {@link PasswordFile#with} of a {@link MosquittoHash#hash7} hash with the default iterations,
 * {@link PasswordFile#without}, {@link PasswordFile#write} through a temporary file and a
 * rename). The broker's reload of the file then picks the change up, as it does for the CLI.
 * Passwords are never logged or kept.
 *
 * <p>Threads: any; edits are serialised on this object so that two dashboard edits do not lose
 * one another (an edit by another tool at the same instant still could, as with the CLI).
 */
public final class PasswordFileUsers {
    /** A user as listed: the kind of hash, never the hash. */
    public record User(String username, String hashKind, boolean superuser) {
    }

    /** The user exists (on add). */
    public static final class UserExists extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UserExists(String user) {
            super("user " + user + " already exists");
        }
    }

    /** The file has no such user (on change or delete). */
    public static final class NoSuchUser extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NoSuchUser(String user) {
            super("no user " + user + " in the password file");
        }
    }

    private final WatchedFile<PasswordFile> watched;
    private final Set<String> superusers;
    private final PasswordFileSource loaded;

    PasswordFileUsers(WatchedFile<PasswordFile> watched, Set<String> superusers, PasswordFileSource loaded) {
        this.watched = watched;
        this.superusers = Set.copyOf(superusers);
        this.loaded = loaded;
    }

    public Path path() {
        return watched.file();
    }

    /** Users in the version the broker uses now (the last good reload). */
    public int loadedUsers() {
        return loaded.file().users().size();
    }

    public long loadedAt() {
        return watched.loadedAt();
    }

    public String lastError() {
        return watched.lastError();
    }

    public Set<String> superusers() {
        return superusers;
    }

    /** Whether the broker's loaded version lists the user (a superuser skips ACL checks). */
    public boolean isLoadedSuperuser(String user) {
        return user != null && superusers.contains(user) && loaded.file().credential(user) != null;
    }

    /** The users in the file as it is on disk now, in file order. */
    public synchronized List<User> list() throws IOException {
        PasswordFile f = PasswordFile.read(path());
        return f.users().stream().map(u -> new User(u, f.hashKind(u), superusers.contains(u))).toList();
    }

    public synchronized void add(String user, String password) throws IOException {
        checkName(user);
        PasswordFile f = PasswordFile.read(path());
        if (f.users().contains(user)) {
            throw new UserExists(user);
        }
        write(f, user, password);
    }

    public synchronized void change(String user, String password) throws IOException {
        PasswordFile f = PasswordFile.read(path());
        if (!f.users().contains(user)) {
            throw new NoSuchUser(user);
        }
        write(f, user, password);
    }

    public synchronized void delete(String user) throws IOException {
        PasswordFile f = PasswordFile.read(path());
        if (!f.users().contains(user)) {
            throw new NoSuchUser(user);
        }
        f.without(user).write(path());
    }

    /** A name the file can hold: IllegalArgumentException saying why not. */
    public static void checkName(String user) {
        if (user == null || user.isEmpty() || user.indexOf(':') >= 0 || user.indexOf('\n') >= 0 || user.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a username may not be empty or contain ':' or a line break");
        }
    }

    private void write(PasswordFile f, String user, String password) throws IOException {
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the password may not be empty");
        }
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        try {
            f.with(user, MosquittoHash.hash7(pw, MosquittoHash.DEFAULT_ITERATIONS)).write(path());
        } finally {
            java.util.Arrays.fill(pw, (byte) 0);
        }
    }
}
