package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.persist.Change;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.RecordingConnection;
import io.perch.broker.testkit.RecordingPersistence;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live messages wait behind a stored backlog that is being paged in (Session.holdLive): they
 * reach the client after it, in order; one that the backlog holds too arrives once, at its
 * place in the backlog; a session that keeps its messages in a store has the held ones there.
 */
class BacklogHoldTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");
    private final List<Change> written = new ArrayList<>();

    private Pending msg(String topic, String text, int qos) {
        return Pending.of(new Message(ids.next(), topic, text.getBytes(), qos, false, "p", null, 0, 0,
                PublishProperties.NONE), qos, false, null);
    }

    private Session connected(RecordingConnection conn) {
        Session s = new Session("c", ClientInfo.system("c", "n@h"), 100, 1000, 0, true, 10, SessionListener.NONE,
                new BrokerStats(), new RecordingPersistence(written), new AtomicLong(), new KeptSessions(0));
        s.expiryIntervalSeconds(3600); // kept in the store: what is held is written too
        s.attach(conn, ClientInfo.system("c", "n@h"));
        return s;
    }

    private static List<String> texts(RecordingConnection conn) {
        return conn.publishes.stream().map(p -> new String(p.message().payload())).toList();
    }

    @Test
    void liveMessagesComeAfterTheBacklogAndOnceWhenItHoldsThemToo() {
        RecordingConnection conn = new RecordingConnection(65535);
        Session s = connected(conn);
        assertThat(s.holdLive("q/#")).isTrue();
        Pending live1 = msg("q/a", "live1", 1);
        s.offerLive(live1);
        s.offerLive(msg("other", "other", 1)); // no hold on its topic
        s.offerLive(msg("q/a", "qos0", 0)); // QoS 0 is not stored: it does not wait
        s.offerLive(msg("q/b", "live2", 2));
        assertThat(texts(conn)).containsExactly("other", "qos0");
        assertThat(written).as("held, and stored as the session's").filteredOn(c -> c instanceof Change.SessionMessageAdded)
                .hasSize(3);

        s.offerBacklog(msg("q/a", "stored1", 1));
        // The stored copy of live1 (same id): delivered here, once.
        assertThat(s.offerBacklog(Pending.of(live1.message(), 1, false, null))).isEqualTo(Session.Backlogged.TAKEN);
        s.offerBacklog(msg("q/a", "stored2", 1));
        s.releaseLive("q/#");

        assertThat(texts(conn)).containsExactly("other", "qos0", "stored1", "live1", "stored2", "live2");
        s.offerLive(msg("q/a", "after", 1));
        assertThat(texts(conn)).endsWith("after");
    }

    @Test
    void twoHoldsOnOneFilterBothEndBeforeItsMessagesGo() {
        RecordingConnection conn = new RecordingConnection(65535);
        Session s = connected(conn);
        s.holdLive("q/#"); // the subscription's own, until session.subscribed ran
        s.holdLive("q/#"); // a fetch rule's
        s.holdLive("p/#");
        s.offerLive(msg("q/a", "q", 1));
        s.offerLive(msg("p/a", "p", 1));
        s.releaseLive("q/#");
        assertThat(texts(conn)).isEmpty();
        s.releaseLive("p/#");
        assertThat(texts(conn)).containsExactly("p");
        s.releaseLive("q/#");
        assertThat(texts(conn)).containsExactly("p", "q");
        s.releaseLive("q/#"); // one too many: nothing happens
        assertThat(texts(conn)).containsExactly("p", "q");
    }

    @Test
    void aBacklogThatTakesTooLongStopsHoldingLiveMessages() {
        RecordingConnection conn = new RecordingConnection(65535);
        Session s = new Session("c", ClientInfo.system("c", "n@h"), 100, 3, 0, true, 10, SessionListener.NONE,
                new BrokerStats(), new RecordingPersistence(written), new AtomicLong(), new KeptSessions(0));
        s.attach(conn, ClientInfo.system("c", "n@h"));
        s.holdLive("q/#");
        for (int i = 0; i < 4; i++) {
            s.offerLive(msg("q/a", "m" + i, 1));
        }
        assertThat(texts(conn)).as("more held than the half of max_mqueue_len a hold may use: all go, in order").containsExactly("m0", "m1", "m2", "m3");
        s.releaseLive("q/#");
        assertThat(texts(conn)).hasSize(4);
    }
}
