package io.perch.auth.file;

import io.perch.auth.spi.AuthOutcome;
import io.perch.auth.spi.AuthSource;
import io.perch.broker.hook.event.ClientInfo;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Authentication from a Mosquitto password file: a user the file lists is allowed with the
 * right password and refused with a wrong or missing one; a client without a username, or
 * with one the file does not list, is not this source's (the next source decides). Hashes are
 * checked on the source's own threads: PBKDF2 costs about a millisecond per thousand
 * iterations, which must not hold up an event loop.
 *
 * <p>Threads: {@link #authenticate} on event loops; {@code file} is replaced by the reload
 * thread (volatile, immutable contents).
 */
final class PasswordFileSource implements AuthSource {
    private volatile PasswordFile file = PasswordFile.empty();
    private final Set<String> superusers;
    private final ExecutorService hashing = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "perch-auth-hash");
        t.setDaemon(true);
        return t;
    });

    PasswordFileSource(Set<String> superusers) {
        this.superusers = Set.copyOf(superusers);
    }

    void use(PasswordFile f) {
        file = f;
    }

    /** The version in force. */
    PasswordFile file() {
        return file;
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public CompletionStage<AuthOutcome> authenticate(ClientInfo client, byte[] password) {
        String user = client.username();
        Credential h = user == null ? null : file.credential(user);
        if (h == null) {
            return CompletableFuture.completedFuture(AuthOutcome.IGNORE);
        }
        if (password == null) {
            return CompletableFuture.completedFuture(AuthOutcome.DENY);
        }
        boolean superuser = superusers.contains(user);
        try {
            return CompletableFuture.supplyAsync(() -> h.verify(password)
                    ? AuthOutcome.allow(superuser) : AuthOutcome.DENY, hashing);
        } catch (RejectedExecutionException stopping) {
            return CompletableFuture.failedFuture(stopping);
        }
    }

    /** The user's SCRAM-SHA-256 verifier, or null (unknown user, or a Mosquitto hash). */
    io.perch.auth.scram.ScramVerifier scram(String user) {
        Credential c = user == null ? null : file.credential(user);
        return c == null ? null : c.scram();
    }

    @Override
    public void close() {
        hashing.shutdownNow();
    }
}
