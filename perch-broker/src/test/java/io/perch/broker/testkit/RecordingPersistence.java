package io.perch.broker.testkit;

import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A durable store that keeps nothing but the changes it is given, in order, in the caller's
 * list: for tests of what a session writes (it loads and restores nothing).
 */
public final class RecordingPersistence implements SessionPersistence {
    private final List<Change> changes;

    public RecordingPersistence(List<Change> changes) {
        this.changes = changes;
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public CompletionStage<Void> write(List<Change> batch) {
        changes.addAll(batch);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<StoredSession>> load(String clientId) {
        return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public CompletionStage<List<Dormant>> restore() {
        return CompletableFuture.completedFuture(List.of());
    }
}
