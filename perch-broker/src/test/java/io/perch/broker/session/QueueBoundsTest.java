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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session queue's two bounds, max_mqueue_len (messages) and max_mqueue_bytes (payload
 * bytes), without sockets: an offline durable session is offered messages row by row, and
 * what it queues, what it drops, what it counts and what the store is left holding are
 * compared with each row.
 */
class QueueBoundsTest {
    /**
     * @param offers  payload and QoS, "text/qos"; the payload's length is its size
     * @param queued  payloads left queued, in order
     * @param dropped payloads dropped, in the order they were dropped
     */
    record Row(String name, int maxLen, long maxBytes, List<String> offers, List<String> queued, List<String> dropped) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("no byte bound: max_mqueue_len alone", 2, 0,
                    List.of("a/1", "b/1", "c/1"), List.of("a", "b"), List.of("c")),
            new Row("count full: a queued QoS 0 goes first", 2, 0,
                    List.of("a/0", "b/1", "c/1"), List.of("b", "c"), List.of("a")),
            new Row("neither bound: everything queues", 0, 0,
                    List.of("aaaa/1", "bbbb/0", "cccc/2"), List.of("aaaa", "bbbb", "cccc"), List.of()),
            new Row("exactly at the byte bound fits", 0, 8,
                    List.of("aaaa/1", "bbbb/1"), List.of("aaaa", "bbbb"), List.of()),
            new Row("bytes full, no QoS 0 queued: the new one goes", 0, 10,
                    List.of("aaaa/1", "bbbb/1", "cccc/1"), List.of("aaaa", "bbbb"), List.of("cccc")),
            new Row("bytes full: as many QoS 0 as make room go, oldest first", 0, 10,
                    List.of("aaa/0", "bbb/0", "cc/1", "dddddd/1"), List.of("cc", "dddddd"), List.of("aaa", "bbb")),
            new Row("bytes full: no QoS 0 dropped in vain when they would not make room", 0, 10,
                    List.of("aa/0", "bbbbbb/1", "ccccc/1"), List.of("aa", "bbbbbb"), List.of("ccccc")),
            new Row("a new QoS 0 takes a queued QoS 0's place", 0, 6,
                    List.of("aaa/0", "bbb/1", "cc/0"), List.of("bbb", "cc"), List.of("aaa")),
            new Row("a message larger than the byte bound never queues", 0, 4,
                    List.of("aaaaa/1", "bb/1"), List.of("bb"), List.of("aaaaa")),
            new Row("both bounds: the count bound is reached first", 2, 100,
                    List.of("a/1", "b/1", "c/0"), List.of("a", "b"), List.of("c")),
            new Row("both bounds: the byte bound is reached first", 10, 5,
                    List.of("aa/1", "bb/1", "cc/1"), List.of("aa", "bb"), List.of("cc")));

    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");

    @Test
    void eachRow() {
        for (Row row : ROWS) {
            List<Change> changes = new ArrayList<>();
            BrokerStats stats = new BrokerStats();
            List<String> dropped = new ArrayList<>();
            SessionListener listener = new SessionListener() {
                @Override
                public void delivered(Session s, Message m) {
                }

                @Override
                public void acked(Session s, Message m) {
                }

                @Override
                public void dropped(Session s, Message m, String reason) {
                    assertThat(reason).as(row.name()).isEqualTo("queue_full");
                    dropped.add(new String(m.payload()));
                }
            };
            Session s = new Session("c", ClientInfo.system("c", "n@h"), 10, row.maxLen(), row.maxBytes(), true, 10,
                    listener, stats, recording(changes), new AtomicLong(100), new KeptSessions(0));
            s.expiryIntervalSeconds(3600);
            for (String o : row.offers()) {
                String[] f = o.split("/");
                s.offer(msg(f[0], Integer.parseInt(f[1])));
            }
            assertThat(dropped).as(row.name() + ": dropped").isEqualTo(row.dropped());
            assertThat(s.droppedCount()).as(row.name()).isEqualTo(row.dropped().size());
            assertThat(stats.messagesDroppedQueueFull.sum()).as(row.name()).isEqualTo(row.dropped().size());
            assertThat(stats.messagesDropped.sum()).as(row.name()).isEqualTo(row.dropped().size());
            assertThat(s.queueBytes()).as(row.name() + ": bytes")
                    .isEqualTo(row.queued().stream().mapToLong(String::length).sum());
            assertThat(storedSeqs(changes)).as(row.name() + ": the store holds what the queue holds")
                    .hasSize(row.queued().size());

            RecordingConnection conn = new RecordingConnection(65535);
            s.attach(conn, ClientInfo.system("c", "n@h"));
            assertThat(conn.publishes).as(row.name() + ": queued").map(p -> new String(p.message().payload()))
                    .isEqualTo(row.queued());
            assertThat(s.queueBytes()).as(row.name() + ": sent, nothing queued").isZero();
        }
    }

    @Test
    void aRestoredQueueOverTheByteBoundDropsInTheStoreWhatItCannotHold() {
        List<Change> changes = new ArrayList<>();
        BrokerStats stats = new BrokerStats();
        Session s = new Session("c", ClientInfo.system("c", "n@h"), 10, 0, 6, true, 10, SessionListener.NONE, stats,
                recording(changes), new AtomicLong(100), new KeptSessions(0));
        // Stored under a larger bound (or written while the session was not in memory).
        List<StoredSession.Outbound> stored = List.of(queued(1, "aaa", 0), queued(2, "bbb", 1), queued(3, "ccc", 1));
        s.restore(new StoredSession("c", 5, 60, 1, Map.of(), stored, Set.of(), null), 60);
        assertThat(s.queueSize()).isEqualTo(2);
        assertThat(s.queueBytes()).isEqualTo(6);
        assertThat(changes).filteredOn(c -> c instanceof Change.SessionMessageDeleted)
                .map(c -> ((Change.SessionMessageDeleted) c).seq()).containsExactly(1L);
        assertThat(stats.messagesDroppedQueueFull.sum()).isEqualTo(1);
    }

    @Test
    void sharedMessagesTakenFromTheQueueLeaveItsByteCount() {
        Session s = new Session("c", ClientInfo.system("c", "n@h"), 10, 0, 100, true, 10, SessionListener.NONE,
                new BrokerStats(), SessionPersistence.NONE, new AtomicLong(), new KeptSessions(0));
        s.expiryIntervalSeconds(60);
        s.offer(Pending.shared(message("shared", 1), 1, false, null, "g", "t"));
        s.offer(msg("own", 1));
        RecordingConnection conn = new RecordingConnection(1);
        s.attach(conn, ClientInfo.system("c", "n@h")); // "shared" in flight, "own" queued
        s.offer(Pending.shared(message("later", 1), 1, false, null, "g", "t"));
        assertThat(s.queueBytes()).isEqualTo(3 + 5);
        List<Pending> handedOn = s.detach(conn, true);
        assertThat(handedOn).map(p -> new String(p.message().payload())).containsExactly("shared", "later");
        assertThat(s.queueBytes()).isEqualTo(3);
    }

    private StoredSession.Outbound queued(long seq, String text, int qos) {
        return new StoredSession.Outbound(seq, message(text, qos), qos, false, null, null, null, 0, Phase.QUEUED);
    }

    private Message message(String text, int qos) {
        return new Message(ids.next(), "t", text.getBytes(), qos, false, "p", null, 0, 0, PublishProperties.NONE);
    }

    private Pending msg(String text, int qos) {
        return Pending.of(message(text, qos), qos, false, null);
    }

    /** The seqs the store holds for the session once every change is applied. */
    private static Set<Long> storedSeqs(List<Change> changes) {
        Set<Long> seqs = new HashSet<>();
        for (Change c : changes) {
            if (c instanceof Change.SessionMessageAdded a) {
                seqs.add(a.seq());
            } else if (c instanceof Change.SessionMessageDeleted d) {
                seqs.remove(d.seq());
            }
        }
        return seqs;
    }

    private static SessionPersistence recording(List<Change> changes) {
        return new io.perch.broker.testkit.RecordingPersistence(changes);
    }
}
