package io.perch.broker.session;

import java.util.HashMap;

/**
 * Inbound QoS 2 packet ids between PUBLISH and PUBREL (method A of MQTT 4.3.3): a PUBLISH with
 * an id still here is a duplicate and is not routed again. At most {@code max_awaiting_rel}
 * ids may wait. Guarded by the owning session's monitor.
 */
final class AwaitingRel {
    private final int max;
    private final HashMap<Integer, Long> since = new HashMap<>();

    AwaitingRel(int max) {
        this.max = max;
    }

    Session.Qos2Result receive(int packetId) {
        if (since.containsKey(packetId)) {
            return Session.Qos2Result.DUPLICATE;
        }
        if (max > 0 && since.size() >= max) {
            return Session.Qos2Result.TOO_MANY;
        }
        since.put(packetId, System.currentTimeMillis());
        return Session.Qos2Result.NEW;
    }

    boolean contains(int packetId) {
        return since.containsKey(packetId);
    }

    boolean release(int packetId) {
        return since.remove(packetId) != null;
    }

    /** Forgets ids older than the timeout, telling {@code gone} each; returns how many. */
    int expire(long olderThanMillis, java.util.function.IntConsumer gone) {
        long now = System.currentTimeMillis();
        int before = since.size();
        since.entrySet().removeIf(e -> {
            if (now - e.getValue() >= olderThanMillis) {
                gone.accept(e.getKey());
                return true;
            }
            return false;
        });
        return before - since.size();
    }

    void forEach(java.util.function.IntConsumer each) {
        since.keySet().forEach(each::accept);
    }

    /** Puts back an id a stored session was waiting on. */
    void restore(int packetId) {
        since.put(packetId, System.currentTimeMillis());
    }

    int size() {
        return since.size();
    }
}
