package io.perch.broker.session;

import io.perch.broker.message.MessageId;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Live messages a session holds back while a stored backlog is paged in for some of its
 * subscriptions, so that they reach the client after the stored ones (oldest first, then
 * live), and one that is in the backlog too is delivered once, at its place there.
 *
 * <p>Owned by its {@link Session} and guarded by the session's monitor; it exists only while a
 * hold is on.
 */
final class BacklogHold {
    /** The filters being fetched for; one entry per fetch (two rules may fetch for one filter). */
    private final List<String> filters = new ArrayList<>(1);
    /** Held back, in arrival order; each already recorded in the session's store. */
    private final LinkedHashMap<MessageId, Pending> parked = new LinkedHashMap<>();

    void hold(String filter) {
        filters.add(filter);
    }

    /** One hold on {@code filter} ends; false when there was none. */
    boolean release(String filter) {
        return filters.remove(filter);
    }

    boolean isEmpty() {
        return filters.isEmpty();
    }

    /** Whether a live message on {@code topic} waits: a filter being fetched matches it. */
    boolean holds(String topic) {
        for (String f : filters) {
            if (Topics.matches(f, topic)) {
                return true;
            }
        }
        return false;
    }

    void park(Pending p) {
        parked.put(p.message().id(), p);
    }

    int parked() {
        return parked.size();
    }

    /** The held-back live copy of this message, or null; it stays held. */
    Pending parked(MessageId id) {
        return parked.get(id);
    }

    /** The held-back live copy of a message the backlog now delivers, or null. */
    Pending take(MessageId id) {
        return parked.remove(id);
    }

    /** Removes and returns, in order, what no remaining hold matches (everything once none is left). */
    List<Pending> releasable() {
        List<Pending> out = new ArrayList<>();
        for (Iterator<Pending> it = parked.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!holds(p.message().topic())) {
                out.add(p);
                it.remove();
            }
        }
        return out;
    }

    /** Removes and returns everything held back, in order, and ends every hold. */
    List<Pending> releaseAll() {
        filters.clear();
        List<Pending> out = new ArrayList<>(parked.values());
        parked.clear();
        return out;
    }

    /** The session has just started to be stored: each held message is recorded too. */
    void record(UnaryOperator<Pending> recorded) {
        parked.replaceAll((id, p) -> recorded.apply(p));
    }
}
