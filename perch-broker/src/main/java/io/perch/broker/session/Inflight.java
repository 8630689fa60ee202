package io.perch.broker.session;

import io.perch.broker.message.MessageId;
import io.perch.broker.stats.BrokerStats;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's outbound QoS 1/2 messages sent and not yet completed, in send order, keyed by
 * packet id. Packet ids are taken from the next id not in flight: with a window far below
 * 65535 this is O(1) amortised and needs no bitmap.
 *
 * <p>After a reconnect, resends count against the new connection's Receive Maximum (MQTT 5
 * section 4.9): those beyond it are "held back", keep their packet ids, and go out as acks
 * return quota. Guarded by the owning session's monitor.
 */
final class Inflight {
    /** Made at the first QoS 1/2 message sent: an idle connection's session holds none (56 bytes saved). */
    private LinkedHashMap<Integer, InflightEntry> entries;
    private final BrokerStats stats;
    private final Session session;
    private final HeldPublishes held;
    private int nextPacketId = 1;
    private int heldBack;

    Inflight(BrokerStats stats, Session session) {
        this.stats = stats;
        this.session = session;
        this.held = new HeldPublishes(session, this);
    }

    /** The entries for reading; empty and immutable before the first. */
    private java.util.Map<Integer, InflightEntry> view() {
        return entries == null ? java.util.Map.of() : entries;
    }

    private LinkedHashMap<Integer, InflightEntry> writable() {
        if (entries == null) {
            entries = new LinkedHashMap<>();
        }
        return entries;
    }

    int size() {
        return view().size();
    }

    InflightEntry get(int packetId) {
        return view().get(packetId);
    }

    /**
     * Hands a PUBLISH to the connection, now or once the store has what it waits for
     * ({@link HeldPublishes}); {@code entry} is null for QoS 0. Returns false when the client's
     * maximum packet size forbids it.
     */
    boolean publish(SessionConnection conn, Pending p, InflightEntry entry, int packetId,
                    java.util.concurrent.CompletableFuture<Void> after) {
        return held.publish(conn, p, entry, packetId, false, after);
    }

    /** Records a message about to be sent; returns its packet id. */
    int add(Pending p) {
        int id;
        do {
            id = nextPacketId;
            nextPacketId = id == 65535 ? 1 : id + 1;
        } while (view().containsKey(id));
        writable().put(id, new InflightEntry(p, System.currentTimeMillis()));
        return id;
    }

    /** Puts back an entry of a stored session under its packet id, to be resent on the next connection. */
    void restore(int packetId, Pending p, boolean released) {
        InflightEntry e = new InflightEntry(p, 0);
        e.released = released;
        e.published = true; // the client may hold its id from an earlier connection
        writable().put(packetId, e);
    }

    /** Every entry with its packet id, in send order. */
    void forEach(java.util.function.ObjIntConsumer<InflightEntry> each) {
        view().forEach((id, e) -> each.accept(e, id));
    }

    void remove(int packetId) {
        InflightEntry e = entries == null ? null : entries.remove(packetId);
        if (e != null && e.heldBack) {
            heldBack--;
        }
    }

    /** A held-back entry the client answered anyway (PUBREC): it no longer waits for quota. */
    void answered(InflightEntry e) {
        if (e.heldBack) {
            e.heldBack = false;
            heldBack--;
        }
    }

    boolean holds(MessageId id) {
        for (InflightEntry e : view().values()) {
            if (e.pending.message().id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /** On a new connection: resends up to the window, holds back the rest. */
    void resendAll(SessionConnection conn, int window) {
        int resent = 0;
        heldBack = 0;
        for (Map.Entry<Integer, InflightEntry> e : view().entrySet()) {
            InflightEntry entry = e.getValue();
            entry.heldBack = resent >= window;
            if (entry.heldBack) {
                heldBack++;
            } else {
                resent++;
                resend(conn, e.getKey(), entry);
            }
        }
    }

    /** Resends held-back entries, oldest first, while the send quota has room. */
    void resendHeldBack(SessionConnection conn, int window) {
        if (heldBack == 0 || conn == null) {
            return;
        }
        int outstanding = view().size() - heldBack;
        for (Map.Entry<Integer, InflightEntry> e : view().entrySet()) {
            if (heldBack == 0 || outstanding >= window) {
                return;
            }
            InflightEntry entry = e.getValue();
            if (entry.heldBack) {
                entry.heldBack = false;
                heldBack--;
                outstanding++;
                resend(conn, e.getKey(), entry);
            }
        }
    }

    /** MQTT 3: resends what has waited longer than the retry interval. */
    void retry(SessionConnection conn, long olderThanMillis) {
        long now = System.currentTimeMillis();
        for (Map.Entry<Integer, InflightEntry> e : view().entrySet()) {
            InflightEntry entry = e.getValue();
            if (!entry.heldBack && !entry.writePending() && now - entry.sentAt >= olderThanMillis) {
                resend(conn, e.getKey(), entry);
            }
        }
    }

    /** Sends an entry again: the PUBLISH with DUP set, or the PUBREL once released. */
    private void resend(SessionConnection conn, int packetId, InflightEntry entry) {
        entry.sentAt = System.currentTimeMillis();
        if (entry.released) {
            java.util.concurrent.CompletableFuture<Void> w = entry.releaseWrite;
            if (w != null && !w.isDone()) {
                w.whenComplete((v, err) -> conn.sendPubrel(packetId));
            } else {
                conn.sendPubrel(packetId);
            }
        } else {
            java.util.concurrent.CompletableFuture<Void> w = entry.sentWrite;
            if (w != null && w.isCompletedExceptionally()) {
                w = rewrite(entry, packetId); // null: the store no longer keeps the session, nothing to wait for
            }
            held.publish(conn, entry.pending, entry, packetId, true, w);
            stats.messagesRetried.increment();
        }
    }

    /**
     * Records a QoS 2 entry's packet id again after the store failed to take it; returns the
     * new write to wait for, null when the store no longer keeps the session.
     */
    java.util.concurrent.CompletableFuture<Void> rewrite(InflightEntry entry, int packetId) {
        ChangeLog changes = session.changes();
        changes.sent(entry.pending, packetId);
        entry.sentWrite = changes.whenDurable();
        return entry.sentWrite;
    }

    /** Removes and returns unreleased messages that came through a shared subscription. */
    List<Pending> takeShared() {
        List<Pending> shared = new ArrayList<>();
        for (Iterator<InflightEntry> it = view().values().iterator(); it.hasNext(); ) {
            InflightEntry e = it.next();
            if (e.pending.isShared() && !e.released) {
                shared.add(e.pending);
                it.remove();
                if (e.heldBack) {
                    heldBack--;
                }
            }
        }
        return shared;
    }

    /** Removes everything; returns the messages the client had not received (not released). */
    List<Pending> drain() {
        List<Pending> all = new ArrayList<>(view().size());
        for (InflightEntry e : view().values()) {
            if (!e.released) {
                all.add(e.pending);
            }
        }
        if (entries != null) {
            entries.clear();
        }
        heldBack = 0;
        return all;
    }
}
