package io.perch.redis.cluster;

import io.perch.broker.cluster.ClusterInbound;
import io.perch.broker.cluster.Forward;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The broker's side of the inbox, for tests: records what it is given, in order; what a
 * deliver or release returns can be set. Any thread.
 */
final class RecordingInbound implements ClusterInbound {
    final List<Forward> delivered = new CopyOnWriteArrayList<>();
    final List<String> released = new CopyOnWriteArrayList<>();
    /** Every event in order: "deliver:<topic>" or "release:<client>". */
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile Function<Forward, CompletionStage<Void>> onDeliver = f -> CompletableFuture.completedFuture(null);

    @Override
    public CompletionStage<Void> deliver(Forward forward) {
        delivered.add(forward);
        events.add("deliver:" + forward.message().topic());
        return onDeliver.apply(forward);
    }

    /** The sessions of dead nodes handed to this node, in order. */
    final List<io.perch.broker.persist.SessionPersistence.Dormant> adopted = new CopyOnWriteArrayList<>();

    @Override
    public void adopt(String deadNode, long inboxEntries, List<io.perch.broker.persist.SessionPersistence.Dormant> sessions) {
        adopted.addAll(sessions);
    }

    @Override
    public CompletionStage<Void> release(String clientId) {
        released.add(clientId);
        events.add("release:" + clientId);
        return CompletableFuture.completedFuture(null);
    }

    List<String> topics() {
        return delivered.stream().map(f -> f.message().topic()).toList();
    }
}
