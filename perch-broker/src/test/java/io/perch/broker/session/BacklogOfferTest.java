package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.RecordingConnection;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session.offerBacklog: a stored backlog fills the window, then at most half the queue's
 * bounds, and is refused (nothing dropped) past that; what the client acknowledges makes room.
 */
class BacklogOfferTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");

    private Pending msg(String text) {
        return Pending.of(new Message(ids.next(), "t", text.getBytes(), 1, false, "p", null, 0, 0,
                PublishProperties.NONE), 1, false, null);
    }

    private Session session(int maxQueue, long maxBytes, BrokerStats stats) {
        return new Session("c", ClientInfo.system("c", "n@h"), 2, maxQueue, maxBytes, true, 10, SessionListener.NONE,
                stats, SessionPersistence.NONE, new AtomicLong(), new KeptSessions(0));
    }

    @Test
    void fillsTheWindowThenHalfTheQueueAndRefusesTheRestWithoutDropping() {
        BrokerStats stats = new BrokerStats();
        Session s = session(10, 0, stats);
        RecordingConnection conn = new RecordingConnection(65535);
        s.attach(conn, ClientInfo.system("c", "n@h"));
        int taken = 0;
        while (s.offerBacklog(msg("m" + taken)) == Session.Backlogged.TAKEN) {
            taken++;
        }
        assertThat(taken).as("a window of 2, then 5 queued").isEqualTo(7);
        assertThat(s.queueSize()).isEqualTo(5);
        assertThat(stats.messagesDroppedQueueFull.sum()).isZero();

        s.puback(conn.packetIds.get(0));
        assertThat(s.offerBacklog(msg("next"))).isEqualTo(Session.Backlogged.TAKEN);
    }

    @Test
    void theByteBoundIsHalvedToo() {
        Session s = session(0, 10, new BrokerStats()); // offline: everything queues
        assertThat(s.offerBacklog(msg("aaa"))).isEqualTo(Session.Backlogged.TAKEN);
        assertThat(s.offerBacklog(msg("bb"))).isEqualTo(Session.Backlogged.TAKEN);
        assertThat(s.offerBacklog(msg("c"))).isEqualTo(Session.Backlogged.NO_ROOM);
    }

    @Test
    void aMessageTheSessionHoldsIsADuplicate() {
        Session s = session(10, 0, new BrokerStats());
        Pending p = msg("once");
        assertThat(s.offerBacklog(p)).isEqualTo(Session.Backlogged.TAKEN);
        assertThat(s.offerBacklog(p)).isEqualTo(Session.Backlogged.DUPLICATE);
    }
}
