package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.Phase;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.RecordingConnection;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session without sockets: what it sends a recording connection and what it tells a
 * recording store, rule by rule (flow control, QoS 1 and 2 outbound, QoS 2 inbound, the
 * bounded queue, expiry, resend on reconnect, restore).
 */
class SessionStateTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");
    private final List<RecordingConnection> wires = new ArrayList<>();
    private final List<Change> changes = new ArrayList<>();
    private final BrokerStats stats = new BrokerStats();

    private final SessionPersistence recording = new io.perch.broker.testkit.RecordingPersistence(changes);


    private SessionConnection connection(int receiveMaximum) {
        RecordingConnection c = new RecordingConnection(receiveMaximum);
        wires.add(c);
        return c;
    }

    /** Everything sent on every connection so far, in order. */
    private List<String> wire() {
        List<String> all = new ArrayList<>();
        wires.forEach(w -> all.addAll(w.sent));
        return all;
    }

    private Session session(int maxInflight, int maxQueue, long expiry) {
        Session s = new Session("c", ClientInfo.system("c", "n@h"), maxInflight, maxQueue, true, 10, SessionListener.NONE, stats,
                recording, new AtomicLong(100));
        s.expiryIntervalSeconds(expiry);
        return s;
    }

    private Pending msg(String text, int qos) {
        return Pending.of(new Message(ids.next(), "t", text.getBytes(), qos, false, "p", null, 0, 0,
                PublishProperties.NONE), qos, false, null);
    }

    private List<String> kinds() {
        return changes.stream().map(c -> c.getClass().getSimpleName()
                + (c instanceof Change.SessionMessageUpdated u ? ":" + u.phase() : "")).toList();
    }

    @Test
    void theWindowIsTheSmallerOfMaxInflightAndTheClientsReceiveMaximum() {
        Session s = session(5, 100, 0);
        s.attach(connection(2), ClientInfo.system("c", "n@h"));
        for (int i = 1; i <= 4; i++) {
            s.offer(msg("m" + i, 1));
        }
        assertThat(wire()).containsExactly("m1/1", "m2/2");
        assertThat(s.queueSize()).isEqualTo(2);
        s.puback(1);
        assertThat(wire()).endsWith("m3/3");
        assertThat(changes).as("a clean session costs the store nothing").isEmpty();
    }

    @Test
    void qos0NeverOvertakesQueuedMessages() {
        Session s = session(1, 100, 0);
        s.attach(connection(65535), ClientInfo.system("c", "n@h"));
        s.offer(msg("q1", 1));
        s.offer(msg("q2", 1)); // queued behind the window
        s.offer(msg("zero", 0)); // must wait behind q2
        assertThat(wire()).containsExactly("q1/1");
        s.puback(1);
        assertThat(wire()).containsExactly("q1/1", "q2/2", "zero/0");
    }

    @Test
    void qos2OutboundHoldsItsSlotUntilPubcomp() {
        Session s = session(1, 100, 3600);
        s.attach(connection(65535), ClientInfo.system("c", "n@h"));
        s.offer(msg("two", 2));
        s.offer(msg("next", 1));
        assertThat(s.pubrec(1, false)).isTrue();
        assertThat(wire()).containsExactly("two/1", "rel/1");
        assertThat(s.pubcomp(1)).isTrue();
        assertThat(wire()).endsWith("next/2");
        assertThat(kinds()).containsSubsequence("SessionMessageAdded", "SessionMessageUpdated:SENT",
                "SessionMessageUpdated:RELEASED", "SessionMessageDeleted");
    }

    @Test
    void inboundQos2IdsAreDeduplicatedUntilPubrelAndStoredOnlyAfterTheMessageWasRouted() {
        Session s = session(10, 100, 3600);
        assertThat(s.receiveQos2(7)).isEqualTo(Session.Qos2Result.NEW);
        assertThat(s.receiveQos2(7)).isEqualTo(Session.Qos2Result.DUPLICATE);
        // A stored id makes a resent PUBLISH a duplicate after a crash: it must not reach the
        // store before the message's own writes, which routing makes.
        assertThat(changes).noneMatch(c -> c instanceof Change.AwaitingRelAdded);
        s.qos2Routed(7);
        assertThat(s.release(7)).isTrue();
        assertThat(s.release(7)).isFalse();
        assertThat(changes).filteredOn(c -> c instanceof Change.AwaitingRelAdded || c instanceof Change.AwaitingRelDeleted)
                .containsExactly(new Change.AwaitingRelAdded("c", 7), new Change.AwaitingRelDeleted("c", 7));
    }

    @Test
    void aFullQueueDropsAQueuedQos0MessageFirstThenTheNewOne() {
        Session s = session(10, 2, 3600);
        s.offer(msg("zero", 0));
        s.offer(msg("one", 1));
        s.offer(msg("two", 1)); // zero goes
        s.offer(msg("three", 1)); // no QoS 0 left: the new one goes
        s.attach(connection(65535), ClientInfo.system("c", "n@h"));
        assertThat(wire()).containsExactly("one/1", "two/2");
        assertThat(s.droppedCount()).isEqualTo(2);
        long added = changes.stream().filter(c -> c instanceof Change.SessionMessageAdded).count();
        long deleted = changes.stream().filter(c -> c instanceof Change.SessionMessageDeleted).count();
        assertThat(added - deleted).as("the store holds what the session holds").isEqualTo(2);
    }

    @Test
    void expiredMessagesAreNotSentFromTheQueue() {
        Session s = session(10, 100, 3600);
        Message gone = new Message(ids.next(), "t", "gone".getBytes(), 1, false, "p", null, 0,
                System.currentTimeMillis() - 1, PublishProperties.NONE);
        s.offer(Pending.of(gone, 1, false, null));
        s.offer(msg("kept", 1));
        s.attach(connection(65535), ClientInfo.system("c", "n@h"));
        assertThat(wire()).containsExactly("kept/1");
    }

    @Test
    void unacknowledgedMessagesAreResentWithDupOnReconnectAndHeldBackPastTheNewReceiveMaximum() {
        Session s = session(10, 100, 3600);
        SessionConnection first = connection(65535);
        s.attach(first, ClientInfo.system("c", "n@h"));
        s.offer(msg("a", 1));
        s.offer(msg("b", 1));
        s.offer(msg("c", 2));
        s.pubrec(3, false);
        s.detach(first, false);
        wires.clear();
        s.attach(connection(2), ClientInfo.system("c", "n@h"));
        assertThat(wire()).containsExactly("a/1/dup", "b/2/dup");
        s.puback(1);
        assertThat(wire()).endsWith("rel/3"); // held back until quota came back, then its PUBREL
    }

    @Test
    void aSessionThatStartsToBeKeptWritesASnapshotAndARestoredOneResumesItsWindow() {
        Session s = session(10, 100, 0);
        SessionConnection c1 = connection(65535);
        s.attach(c1, ClientInfo.system("c", "n@h"));
        s.subscriptions().put("t/#", io.perch.broker.message.SubscriptionOptions.ofQos(1));
        s.offer(msg("inflight", 1));
        s.detach(c1, false);
        s.offer(msg("queued", 1));
        assertThat(changes).isEmpty();

        s.expiryIntervalSeconds(60); // resumed by a client that now wants the session kept
        assertThat(kinds()).containsExactly("SessionSaved", "SubscriptionAdded", "MessageAdded",
                "SessionMessageAdded", "SessionMessageUpdated:SENT", "MessageAdded", "SessionMessageAdded");

        // What a store would give back from those changes, into a new session object.
        List<StoredSession.Outbound> out = new ArrayList<>();
        for (Change c : changes) {
            if (c instanceof Change.SessionMessageAdded a) {
                Message body = changes.stream().filter(x -> x instanceof Change.MessageAdded m
                        && m.message().id().equals(a.messageId())).map(x -> ((Change.MessageAdded) x).message())
                        .findFirst().orElseThrow();
                out.add(new StoredSession.Outbound(a.seq(), body, a.qos(), a.retain(), a.subscriptionIds(), null, null,
                        0, Phase.QUEUED));
            } else if (c instanceof Change.SessionMessageUpdated u) {
                StoredSession.Outbound o = out.stream().filter(x -> x.seq() == u.seq()).findFirst().orElseThrow();
                out.set(out.indexOf(o), new StoredSession.Outbound(o.seq(), o.message(), o.qos(), o.retain(),
                        o.subscriptionIds(), null, null, u.packetId(), u.phase()));
            }
        }
        Session restored = session(10, 100, 0);
        restored.restore(new StoredSession("c", 4, 60, 1, Map.of("t/#", io.perch.broker.message.SubscriptionOptions.ofQos(1)),
                out, Set.of(), null), 60);
        wires.clear();
        restored.attach(connection(65535), ClientInfo.system("c", "n@h"));
        assertThat(wire()).containsExactly("inflight/1/dup", "queued/2");
        assertThat(restored.subscriptions()).containsOnlyKeys("t/#");
    }
}
