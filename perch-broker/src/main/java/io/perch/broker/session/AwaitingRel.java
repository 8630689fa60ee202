package io.perch.broker.session;

import java.util.HashMap;

/**
 * Inbound QoS 2 packet ids between PUBLISH and PUBREL (method A of MQTT 4.3.3): a PUBLISH with
 * an id still here is a duplicate and is not routed again. At most {@code max_awaiting_rel}
 * ids may wait. Guarded by the owning session's monitor.
 */
final class AwaitingRel {
    private final int max;
    /** Made at the first QoS 2 PUBLISH received: most clients never send one. */
    private HashMap<Integer, Long> since;
    /**
     * Ids whose message was routed but whose store writes failed (MQTT 3 keeps the id, see
     * {@code PublishFlow.notStored}), with the id the message was routed under: its copies may
     * be missing from the store, so the client's resend routes it again under that id
     * ({@code Session.unconfirmed}). Made at the first such failure.
     */
    private HashMap<Integer, io.perch.broker.message.MessageId> unconfirmed;

    AwaitingRel(int max) {
        this.max = max;
    }

    Session.Qos2Result receive(int packetId) {
        if (contains(packetId)) {
            return Session.Qos2Result.DUPLICATE;
        }
        if (max > 0 && size() >= max) {
            return Session.Qos2Result.TOO_MANY;
        }
        restore(packetId);
        return Session.Qos2Result.NEW;
    }

    boolean contains(int packetId) {
        return since != null && since.containsKey(packetId);
    }

    boolean release(int packetId) {
        if (unconfirmed != null) {
            unconfirmed.remove(packetId);
        }
        return since != null && since.remove(packetId) != null;
    }

    /** The message routed under {@code packetId} may lack copies in the store (its writes failed). */
    void unconfirmed(int packetId, io.perch.broker.message.MessageId routedAs) {
        if (!contains(packetId)) {
            return;
        }
        if (unconfirmed == null) {
            unconfirmed = new HashMap<>(4);
        }
        unconfirmed.put(packetId, routedAs);
    }

    /** The id {@code packetId}'s message was routed under, if its copies may be missing; else null. */
    io.perch.broker.message.MessageId unconfirmed(int packetId) {
        return unconfirmed == null ? null : unconfirmed.get(packetId);
    }

    /** Its copies are stored now. */
    void confirmed(int packetId) {
        if (unconfirmed != null) {
            unconfirmed.remove(packetId);
        }
    }

    /** Forgets ids older than the timeout, telling {@code gone} each; returns how many. */
    int expire(long olderThanMillis, java.util.function.IntConsumer gone) {
        long now = System.currentTimeMillis();
        if (since == null) {
            return 0;
        }
        int before = since.size();
        since.entrySet().removeIf(e -> {
            if (now - e.getValue() >= olderThanMillis) {
                if (unconfirmed != null) {
                    unconfirmed.remove(e.getKey());
                }
                gone.accept(e.getKey());
                return true;
            }
            return false;
        });
        return before - since.size();
    }

    void forEach(java.util.function.IntConsumer each) {
        if (since != null) {
            since.keySet().forEach(each::accept);
        }
    }

    /** Puts back an id a stored session was waiting on. */
    void restore(int packetId) {
        if (since == null) {
            since = new HashMap<>();
        }
        since.put(packetId, System.currentTimeMillis());
    }

    int size() {
        return since == null ? 0 : since.size();
    }
}
