package io.perch.broker.retain;

import io.perch.broker.message.Message;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Retained messages by topic. The in-memory store is the default; a durable store can
 * replace it. Implementations must be thread-safe and must answer wildcard lookups without
 * scanning every topic when the filter has a literal prefix.
 */
public interface RetainedStore {
    /** Stores or replaces the topic's retained message. */
    void put(Message message);

    /** Deletes the topic's retained message; true when there was one. */
    boolean remove(String topic);

    /**
     * An empty retained PUBLISH on {@code empty}'s topic deletes the topic's retained message.
     * Apart from {@link #remove} (an operator's delete) because a durable store may leave the
     * durable copy to the publish hooks that already deleted it in order with the other writes
     * of the publish; doing it again later could delete a newer copy another publisher wrote.
     */
    default void removeByPublish(Message empty) {
        remove(empty.topic());
    }

    Optional<Message> get(String topic);

    /**
     * Every unexpired retained message whose topic matches the filter, no result cap.
     * Asynchronous because a durable store reads it over the network; the memory store
     * answers at once (a completed stage).
     */
    CompletionStage<List<Message>> match(String filter);

    /** A page of retained messages in topic order (for operators). */
    List<Message> list(int offset, int limit);

    int size();
}
