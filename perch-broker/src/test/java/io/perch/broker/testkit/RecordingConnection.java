package io.perch.broker.testkit;

import io.perch.broker.session.Pending;
import io.perch.broker.session.SessionConnection;

import java.util.ArrayList;
import java.util.List;

/**
 * A session's connection without a socket, for tests of sessions and routing: it records what
 * would go on the wire ({@code "<payload>/<packet id>[/dup]"} and {@code "rel/<packet id>"})
 * and which packet ids wait for PUBACK/PUBREC and for PUBCOMP. Always writable.
 */
public final class RecordingConnection implements SessionConnection {
    public final List<String> sent = new ArrayList<>();
    /** Every PUBLISH as the session handed it over, and its packet id (0 for QoS 0), in order. */
    public final List<Pending> publishes = new ArrayList<>();
    public final List<Integer> packetIds = new ArrayList<>();
    public final List<Integer> awaitingAck = new ArrayList<>();
    public final List<Integer> awaitingComp = new ArrayList<>();
    private final int receiveMaximum;

    public RecordingConnection(int receiveMaximum) {
        this.receiveMaximum = receiveMaximum;
    }

    @Override
    public boolean sendPublish(Pending p, int packetId, boolean dup) {
        sent.add(new String(p.message().payload()) + "/" + packetId + (dup ? "/dup" : ""));
        publishes.add(p);
        packetIds.add(packetId);
        if (packetId != 0 && !awaitingAck.contains(packetId)) {
            awaitingAck.add(packetId);
        }
        return true;
    }

    @Override
    public void sendPubrel(int packetId) {
        sent.add("rel/" + packetId);
        awaitingAck.remove(Integer.valueOf(packetId));
        if (!awaitingComp.contains(packetId)) {
            awaitingComp.add(packetId);
        }
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public int receiveMaximum() {
        return receiveMaximum;
    }

    @Override
    public void disconnect(Close why) {
    }
}
