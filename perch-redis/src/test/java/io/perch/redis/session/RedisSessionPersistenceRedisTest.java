package io.perch.redis.session;

import io.perch.broker.message.Message;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.message.UserProperty;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.Phase;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.redis.testkit.RedisBackendTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The session store against a real redis-server: what is written loads back the same, shared
 * bodies live as long as a session refers to them, a deleted session leaves no key, restore
 * and the time-ordered sets tell what the store holds.
 */
class RedisSessionPersistenceRedisTest extends RedisBackendTest {
    private RedisSessionPersistence store;

    @BeforeEach
    void startStore() {
        start();
        store = (RedisSessionPersistence) backend.plugin.stores().persistence();
    }

    private void write(Change... changes) {
        store.write(List.of(changes)).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private Optional<StoredSession> load(String clientId) {
        return store.load(clientId).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private List<SessionPersistence.Dormant> restore() {
        return store.restore().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
    }

    private Message message(String topic, String payload) {
        return backend.broker.newMessage(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false, "pub");
    }

    private String idText(Message m) {
        return backend.plugin.config().compat().id(m.id());
    }

    private static Change.SessionMessageAdded queued(String cid, long seq, Message m) {
        return new Change.SessionMessageAdded(cid, seq, m.id(), m.qos(), false, new int[0], null, null);
    }

    /**
     * Another thread routes a QoS 2 publish (its group open) to a stored session just as the
     * session's client comes back: the queued copy was routed before the CONNECT's load began, so
     * the load must read it. Before, the load's read went ahead of the group's write and the
     * session came back without that message.
     */
    @Test
    void aLoadReadsAQueuedCopyAnOpenGroupHeldWhenTheLoadBegan() throws Exception {
        write(new Change.SessionSaved("late", 5, 3600, 0));
        Message m = message("late/t", "held");
        java.util.concurrent.CountDownLatch staged = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch close = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Void> routed = CompletableFuture.runAsync(() -> {
            try (SessionPersistence.Group group = store.group()) {
                store.write(List.of(new Change.MessageAdded(m), queued("late", 1, m)));
                staged.countDown();
                close.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(staged.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Optional<StoredSession>> loading = store.load("late").toCompletableFuture();
        close.countDown();
        routed.orTimeout(10, TimeUnit.SECONDS).join();

        assertThat(loading.orTimeout(10, TimeUnit.SECONDS).join().orElseThrow().messages())
                .extracting(StoredSession.Outbound::seq).containsExactly(1L);
    }

    @Test
    void aMessageStoredTwiceForOneSessionLoadsOnceAndTheRepeatGoes() {
        // In a cluster the node that lets a session go and the node that takes it over can both
        // store a message published meanwhile; a redelivered inbox entry can store one again.
        Message m = message("cmd/d1", "once");
        Message other = message("cmd/d1", "next");
        write(new Change.SessionSaved("d1", 5, 3600, 0),
                new Change.MessageAdded(m), queued("d1", 10, m),
                new Change.MessageAdded(other), queued("d1", 11, other),
                new Change.MessageAdded(m), queued("d1", 12, m),
                // The retained replay of the same message (a resubscribe) is a delivery of its own.
                new Change.SessionMessageAdded("d1", 13, m.id(), 1, true, new int[0], null, null));
        StoredSession s = load("d1").orElseThrow();
        assertThat(s.messages()).extracting(StoredSession.Outbound::seq).containsExactly(11L, 12L, 13L);
        // An entry in flight (the client may hold its packet id) is the one kept, whatever its seq.
        Message sent = message("cmd/d1", "sent");
        write(new Change.MessageAdded(sent), queued("d1", 20, sent),
                new Change.SessionMessageUpdated("d1", 20, 7, io.perch.broker.persist.Phase.SENT),
                new Change.MessageAdded(sent), queued("d1", 21, sent));
        assertThat(load("d1").orElseThrow().messages()).extracting(StoredSession.Outbound::seq)
                .containsExactly(11L, 12L, 13L, 20L);
        // The repeats' deletes were staged before that load returned: the next read goes behind them.
        assertThat(load("d1").orElseThrow().messages()).extracting(StoredSession.Outbound::seq)
                .containsExactly(11L, 12L, 13L, 20L);
        assertThat(redis.cli().hkeys("perch:out:{d1}")).containsExactlyInAnyOrder("11", "12", "13", "20");
    }

    /**
     * A session moving from node A (writer 1) to this node B (writer 2): A's inbox lagged, so A
     * stored m2 and m3 later, by the clock, than B stored m3 and m4. The load gives A's order for
     * what A had, then what only B kept, and of m3 (both stored it) A's copy.
     */
    /**
     * The last inbox entry per inbox whose QoS 2 message a session took (cluster) is kept in the
     * session hash as {@code fwd:<inbox>}, loaded with the session and known at restore, so that
     * an entry read again after a crash is not taken twice. A hash holding only a mark (written
     * as the session went) is no session.
     */
    @Test
    void forwardMarksAreStoredWithTheSessionAndReadBack() {
        Message m = message("f/x", "fwd");
        write(new Change.SessionSaved("fm", 5, 3600, 0),
                new Change.ForwardMarked("fm", "node-a", "1700000000000-3"), new Change.MessageAdded(m), queued("fm", 1, m),
                new Change.ForwardMarked("fm", "node-b", "1700000000009-0"),
                new Change.ForwardMarked("fm", "node-a", "1700000000001-0"));
        assertThat(load("fm").orElseThrow().forwardMarks())
                .containsOnly(Map.entry("node-a", "1700000000001-0"), Map.entry("node-b", "1700000000009-0"));
        assertThat(restore()).filteredOn(d -> d.clientId().equals("fm")).singleElement()
                .satisfies(d -> assertThat(d.forwardMarks()).containsEntry("node-a", "1700000000001-0"));

        write(new Change.SessionDeleted("fm"), new Change.ForwardMarked("fm", "node-a", "1700000000002-0"));
        assertThat(load("fm")).isEmpty();
    }

    @Test
    void aTakeoverLoadsWhatTheOldNodeStoredBeforeWhatThisNodeKept() {
        store.ownWriter(2);
        long base = 1_000_000L << io.perch.broker.session.Seqs.WRITER_BITS;
        long a = 1;
        long b = 2;
        Message m1 = message("t", "m1");
        Message m2 = message("t", "m2");
        Message m3 = message("t", "m3");
        Message m4 = message("t", "m4");
        write(new Change.SessionSaved("mv", 5, 3600, 0),
                new Change.MessageAdded(m1), queued("mv", base + (100 << 10) + a, m1),
                new Change.MessageAdded(m2), queued("mv", base + (400 << 10) + a, m2),
                new Change.MessageAdded(m3), queued("mv", base + (500 << 10) + a, m3));
        long from = base + (200 << 10) + b;
        store.takingOver("mv", from);
        write(new Change.MessageAdded(m3), queued("mv", base + (300 << 10) + b, m3),
                new Change.MessageAdded(m4), queued("mv", base + (350 << 10) + b, m4));

        StoredSession s = load("mv").orElseThrow();

        assertThat(s.messages()).extracting(o -> new String(o.message().payload(), StandardCharsets.UTF_8))
                .containsExactly("m1", "m2", "m3", "m4");
        assertThat(s.messages().get(2).seq()).as("of m3, the old node's copy").isEqualTo(base + (500 << 10) + a);
        // Without a takeover under way (a later load, a restart) it is plain seq order again.
        assertThat(load("mv").orElseThrow().messages()).extracting(StoredSession.Outbound::seq)
                .isSorted();
    }

    @Test
    void aWrittenSessionLoadsBackAsWritten() {
        Message plain = message("a/b", "one");
        Message rich = new Message(message("x", "y").id(), "a/c", new byte[]{0, 1, 2, (byte) 255}, 2, false, "pub",
                null, System.currentTimeMillis(), System.currentTimeMillis() + 600_000,
                new PublishProperties(1, "text/plain", "re/ply", new byte[]{9}, List.of(new UserProperty("k", "v|w"))));
        Message will = new Message(message("w", "w").id(), "will/c1", "bye".getBytes(StandardCharsets.UTF_8), 1, true,
                "c1", null, System.currentTimeMillis(), 0, PublishProperties.NONE);
        SubscriptionOptions plainSub = new SubscriptionOptions(1, true, true, 2, 7, null);
        SubscriptionOptions shared = new SubscriptionOptions(2, false, false, 0, 0, "g|1");
        write(new Change.SessionSaved("c1", 5, 3600, 0),
                new Change.SubscriptionAdded("c1", "a/b", plainSub),
                new Change.SubscriptionAdded("c1", "$share/g|1/a/+", shared),
                new Change.SubscriptionAdded("c1", "gone/#", SubscriptionOptions.ofQos(0)),
                new Change.SubscriptionDeleted("c1", "gone/#"),
                new Change.MessageAdded(plain),
                new Change.SessionMessageAdded("c1", 12, plain.id(), 1, true, new int[]{7}, null, null),
                new Change.MessageAdded(rich),
                new Change.SessionMessageAdded("c1", 10, rich.id(), 2, false, new int[]{1, 2}, "g|1", "a/+"),
                new Change.SessionMessageAdded("c1", 11, plain.id(), 0, false, new int[0], null, null),
                new Change.SessionMessageAdded("c1", 13, plain.id(), 1, false, new int[0], null, null),
                new Change.SessionMessageUpdated("c1", 10, 5, Phase.SENT),
                new Change.SessionMessageUpdated("c1", 10, 5, Phase.RELEASED),
                new Change.SessionMessageUpdated("c1", 12, 6, Phase.SENT),
                new Change.SessionMessageDeleted("c1", 11, plain.id()),
                new Change.AwaitingRelAdded("c1", 7),
                new Change.AwaitingRelAdded("c1", 8),
                new Change.AwaitingRelDeleted("c1", 8),
                new Change.WillSet("c1", will, 30));

        StoredSession s = load("c1").orElseThrow();
        assertThat(s.clientId()).isEqualTo("c1");
        assertThat(s.protocolVersion()).isEqualTo(5);
        assertThat(s.expiryIntervalSeconds()).isEqualTo(3600);
        assertThat(s.disconnectedAt()).isZero();
        assertThat(s.subscriptions()).containsOnly(Map.entry("a/b", plainSub), Map.entry("$share/g|1/a/+", shared));
        assertThat(s.messages()).extracting(o -> o.seq() + " " + o.message().id().equals(o.seq() == 10 ? rich.id() : plain.id())
                        + " " + o.qos() + " " + o.retain() + " " + java.util.Arrays.toString(o.subscriptionIds()) + " "
                        + o.shareGroup() + " " + o.shareFilter() + " " + o.packetId() + " " + o.phase())
                .containsExactly("10 true 2 false [1, 2] g|1 a/+ 5 RELEASED",
                        "12 true 1 true [7] null null 6 SENT",
                        "13 true 1 false [] null null 0 QUEUED");
        Message back = s.messages().get(0).message();
        assertThat(back.topic()).isEqualTo("a/c");
        assertThat(back.payload()).isEqualTo(rich.payload());
        assertThat(back.qos()).isEqualTo(2);
        assertThat(back.expiresAt()).isEqualTo(rich.expiresAt());
        assertThat(back.properties().userProperties()).isEqualTo(rich.properties().userProperties());
        assertThat(back.properties().correlationData()).isEqualTo(new byte[]{9});
        assertThat(s.messages().get(1).message().payload()).isEqualTo("one".getBytes(StandardCharsets.UTF_8));
        assertThat(s.awaitingRel()).containsExactly(7);
        assertThat(s.will().delaySeconds()).isEqualTo(30);
        assertThat(s.will().message().id()).isEqualTo(will.id());
        assertThat(s.will().message().topic()).isEqualTo("will/c1");
        assertThat(s.will().message().retain()).isTrue();
        assertThat(s.will().message().payload()).isEqualTo("bye".getBytes(StandardCharsets.UTF_8));

        // The layout, as redis-cli shows it.
        var cli = redis.cli();
        List<String> keys = cli.keys("perch:*");
        assertThat(keys).filteredOn(k -> !k.startsWith("perch:applied:")).containsExactlyInAnyOrder(
                "perch:session:{c1}", "perch:subs:{c1}", "perch:out:{c1}", "perch:rel:{c1}",
                "perch:msg:" + idText(plain), "perch:msg:" + idText(rich), "perch:sessions", "perch:wills", "perch:clock");
        // The store's replay marker: the number of its last write Redis applied (PERCH.ONCE).
        assertThat(keys).filteredOn(k -> k.startsWith("perch:applied:")).singleElement()
                .satisfies(k -> assertThat(k).endsWith(":w"))
                .satisfies(k -> assertThat(Long.parseLong(cli.get(k))).isPositive());
        assertThat(cli.hget("perch:session:{c1}", "proto")).isEqualTo("5");
        assertThat(cli.hget("perch:session:{c1}", "will.topic")).isEqualTo("will/c1");
        assertThat(cli.hget("perch:session:{c1}", "will.delay")).isEqualTo("30");
        assertThat(cli.hget("perch:subs:{c1}", "a/b")).isEqualTo("1|1|1|2|7|");
        assertThat(cli.hget("perch:out:{c1}", "12")).isEqualTo("SENT|6|" + idText(plain) + "|1|1|7|-1|-1|");
        assertThat(cli.hget("perch:out:{c1}", "10")).isEqualTo("RELEASED|5|" + idText(rich) + "|2|0|1,2|3|3|g|1a/+");
        assertThat(cli.smembers("perch:rel:{c1}")).containsExactly("7");
        assertThat(cli.hget("perch:msg:" + idText(plain), "refs")).as("seqs 12 and 13").isEqualTo("2");
        assertThat(cli.hget("perch:msg:" + idText(plain), "topic")).isEqualTo("a/b");
        assertThat(cli.hget("perch:msg:" + idText(plain), "id")).isEqualTo(idText(plain));
        assertThat(cli.ttl("perch:msg:" + idText(plain))).as("no expiry, no TTL").isEqualTo(-1);
        assertThat(cli.pttl("perch:msg:" + idText(rich))).isBetween(590_000L, 600_000L);
    }

    @Test
    void aClientWithoutASessionHashHasNoSession() {
        write(new Change.SessionSaved("c1", 4, 60, 0));
        assertThat(load("other")).isEmpty();
        assertThat(load("c1")).isPresent();
    }

    @Test
    void aBodySharedByTwoSessionsGoesWithTheLastReference() {
        Message m = message("t", "shared");
        String body = "perch:msg:" + idText(m);
        write(new Change.SessionSaved("a", 5, 60, 0), new Change.MessageAdded(m), queued("a", 1, m));
        write(new Change.SessionSaved("b", 5, 60, 0), new Change.MessageAdded(m), queued("b", 1, m));
        assertThat(redis.cli().hget(body, "refs")).isEqualTo("2");
        write(new Change.SessionMessageDeleted("a", 1, m.id()));
        assertThat(redis.cli().hget(body, "refs")).isEqualTo("1");
        assertThat(load("b").orElseThrow().messages()).hasSize(1);
        write(new Change.SessionMessageDeleted("b", 1, m.id()));
        assertThat(redis.cli().exists(body)).isZero();
    }

    /**
     * A queue entry written again under its seq (a refused write's message routed again) keeps
     * one reference to its body whether its first write survived or was lost: before, a
     * surviving one was counted twice and the body outlived the entry.
     */
    @Test
    void anEntryWrittenAgainUnderItsSeqKeepsOneReference() {
        Message m = message("t", "again");
        String body = "perch:msg:" + idText(m);
        Change.SessionMessageAdded first = queued("a", 1, m);
        Change.SessionMessageAdded again = new Change.SessionMessageAdded("a", 1, m.id(), m.qos(), false, new int[0],
                null, null, true);
        write(new Change.SessionSaved("a", 5, 60, 0), new Change.MessageAdded(m), first);
        write(new Change.MessageAdded(m), again);
        assertThat(redis.cli().hget(body, "refs")).as("the first write survived").isEqualTo("1");
        write(new Change.SessionMessageDeleted("a", 1, m.id()));
        assertThat(redis.cli().exists(body)).as("gone with its entry").isZero();

        Message lost = message("t", "lost");
        write(new Change.SessionSaved("b", 5, 60, 0));
        write(new Change.MessageAdded(lost), new Change.SessionMessageAdded("b", 1, lost.id(), 1, false, new int[0],
                null, null, true));
        assertThat(redis.cli().hget("perch:msg:" + idText(lost), "refs")).as("the first write was lost").isEqualTo("1");
        assertThat(load("b").orElseThrow().messages()).singleElement()
                .satisfies(o -> assertThat(o.message().id()).isEqualTo(lost.id()));
    }

    /** Writes each batch in one group: they go to Redis as one write. */
    private void writeTogether(List<List<Change>> batches) {
        List<CompletableFuture<Void>> done = new java.util.ArrayList<>();
        try (SessionPersistence.Group g = store.group()) {
            batches.forEach(b -> done.add(store.write(b).toCompletableFuture()));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void aMessageQueuedForTenSessionsInOneWriteCountsItsReferencesInOneCommand() {
        Message m = message("t", "for ten");
        List<List<Change>> batches = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batches.add(List.of(new Change.MessageAdded(m), queued("s" + i, 1, m)));
        }
        redis.cli().configResetstat();
        writeTogether(batches);
        assertThat(redis.cli().hget("perch:msg:" + idText(m), "refs")).isEqualTo("10");
        assertThat(redis.cli().info("commandstats")).as("one HINCRBY for the ten references")
                .contains("cmdstat_hincrby:calls=1,");
        for (int i = 0; i < 10; i++) {
            write(new Change.SessionMessageDeleted("s" + i, 1, m.id()));
        }
        assertThat(redis.cli().exists("perch:msg:" + idText(m))).as("gone with the last reference").isZero();
    }

    /**
     * 1,000 messages for three sessions in one write: each session's queue entries go as a few
     * multi-field HSETs (at most 256 fields each, what the batch script can unpack), and their
     * deletes as a few HDELs.
     */
    @Test
    void aWritesQueueEntriesForOneSessionGoAsFewMultiFieldCommands() {
        int n = 1_000;
        List<Message> ms = new java.util.ArrayList<>();
        List<List<Change>> batches = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            Message m = message("t", "m" + i);
            ms.add(m);
            for (String cid : List.of("f1", "f2", "f3")) {
                batches.add(List.of(new Change.MessageAdded(m), queued(cid, i + 1, m)));
            }
        }
        write(new Change.SessionSaved("f1", 5, 3600, 0), new Change.SessionSaved("f2", 5, 3600, 0),
                new Change.SessionSaved("f3", 5, 3600, 0));
        redis.cli().configResetstat();
        writeTogether(batches);
        String stats = redis.cli().info("commandstats");
        // 1,000 bodies, then 3 sessions x ceil(1,000 / 256) = 12 HSETs of entries (there were 3,000).
        assertThat(stats).contains("cmdstat_hset:calls=" + (n + 12) + ",");
        for (String cid : List.of("f1", "f2", "f3")) {
            assertThat(redis.cli().hlen("perch:out:{" + cid + "}")).isEqualTo(n);
            assertThat(load(cid).orElseThrow().messages()).hasSize(n)
                    .extracting(mm -> new String(mm.message().payload(), StandardCharsets.UTF_8))
                    .containsExactlyElementsOf(ms.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList());
        }
        List<List<Change>> deletes = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (String cid : List.of("f1", "f2", "f3")) {
                deletes.add(List.of(new Change.SessionMessageDeleted(cid, i + 1, ms.get(i).id())));
            }
        }
        redis.cli().configResetstat();
        writeTogether(deletes);
        assertThat(redis.cli().info("commandstats")).contains("cmdstat_hdel:calls=12,");
        for (String cid : List.of("f1", "f2", "f3")) {
            assertThat(redis.cli().exists("perch:out:{" + cid + "}")).isZero();
        }
        assertThat(redis.cli().keys("perch:msg:*")).as("every body went with its last reference").isEmpty();
    }

    @Test
    void aDeletedSessionLeavesNoKeyAndReleasesItsBodies() {
        Message own = message("t", "own");
        Message shared = message("t", "shared");
        write(new Change.SessionSaved("other", 5, 60, 0), new Change.MessageAdded(shared), queued("other", 1, shared));
        write(new Change.SessionSaved("c{1}", 5, 60, 1000),
                new Change.SubscriptionAdded("c{1}", "t", SubscriptionOptions.ofQos(1)),
                new Change.MessageAdded(own), queued("c{1}", 1, own),
                new Change.MessageAdded(shared), queued("c{1}", 2, shared),
                new Change.AwaitingRelAdded("c{1}", 3),
                new Change.WillSet("c{1}", message("w", "w"), 10));
        assertThat(redis.cli().zscore("perch:expiry", "c{1}")).isNotNull();
        write(new Change.SessionDeleted("c{1}"));

        assertThat(redis.cli().keys("perch:*c{1}*")).isEmpty();
        assertThat(redis.cli().zscore("perch:sessions", "c{1}")).isNull();
        assertThat(redis.cli().zscore("perch:expiry", "c{1}")).isNull();
        assertThat(redis.cli().zscore("perch:wills", "c{1}")).isNull();
        assertThat(redis.cli().exists("perch:msg:" + idText(own))).isZero();
        assertThat(redis.cli().hget("perch:msg:" + idText(shared), "refs")).isEqualTo("1");
        assertThat(load("c{1}")).isEmpty();
        assertThat(load("other").orElseThrow().messages()).hasSize(1);
    }

    @Test
    void aCleanStartInOneBatchDeletesThenSavesAfresh() {
        Message m = message("t", "old");
        write(new Change.SessionSaved("c", 5, 60, 0), new Change.MessageAdded(m), queued("c", 1, m));
        write(new Change.SessionDeleted("c"), new Change.SessionSaved("c", 5, 120, 0),
                new Change.SubscriptionAdded("c", "new", SubscriptionOptions.ofQos(0)));
        StoredSession s = load("c").orElseThrow();
        assertThat(s.expiryIntervalSeconds()).isEqualTo(120);
        assertThat(s.messages()).isEmpty();
        assertThat(s.subscriptions()).containsOnlyKeys("new");
        assertThat(redis.cli().exists("perch:msg:" + idText(m))).isZero();
    }

    @Test
    void aMessageWhoseBodyIsGoneIsSkippedAndCounted() {
        Message kept = message("t", "kept");
        Message lost = message("t", "lost");
        write(new Change.SessionSaved("c", 5, 60, 0), new Change.MessageAdded(lost), queued("c", 1, lost),
                new Change.MessageAdded(kept), queued("c", 2, kept));
        redis.cli().del("perch:msg:" + idText(lost));
        assertThat(load("c").orElseThrow().messages()).extracting(StoredSession.Outbound::seq).containsExactly(2L);
        assertThat(store.missingBodies()).isEqualTo(1);
    }

    @Test
    void restoreListsEverySessionWithWhatStartUpNeeds() {
        Message m = message("t", "m");
        Message will = message("will/b", "bye");
        write(new Change.SessionSaved("a", 5, 60, 5_000), new Change.SubscriptionAdded("a", "t/#", SubscriptionOptions.ofQos(1)),
                new Change.MessageAdded(m), queued("a", 1, m), queued("a", 2, m));
        write(new Change.SessionSaved("b", 4, 0xFFFFFFFFL, 0), new Change.WillSet("b", will, 20));
        write(new Change.SessionSaved("gone", 5, 60, 0), new Change.SessionDeleted("gone"));
        List<SessionPersistence.Dormant> all = restore();
        assertThat(all).extracting(SessionPersistence.Dormant::clientId).containsExactly("a", "b");
        SessionPersistence.Dormant a = all.get(0);
        assertThat(a.disconnectedAt()).isEqualTo(5_000);
        assertThat(a.expiryIntervalSeconds()).isEqualTo(60);
        assertThat(a.subscriptions()).containsOnly(Map.entry("t/#", SubscriptionOptions.ofQos(1)));
        assertThat(a.messages()).isEqualTo(2);
        assertThat(a.will()).isNull();
        SessionPersistence.Dormant b = all.get(1);
        assertThat(b.expiryIntervalSeconds()).isEqualTo(0xFFFFFFFFL);
        assertThat(b.messages()).isZero();
        assertThat(b.will().delaySeconds()).isEqualTo(20);
        assertThat(b.will().message().topic()).isEqualTo("will/b");
    }

    @Test
    void restorePagesThroughMoreSessionsThanOnePage() {
        int n = RedisSessionPersistence.RESTORE_PAGE * 2 + 3;
        CompletableFuture<?>[] writes = new CompletableFuture<?>[n];
        for (int i = 0; i < n; i++) {
            String id = "c" + i;
            writes[i] = store.write(List.of(new Change.SessionSaved(id, 5, 60, 0),
                    new Change.SubscriptionAdded(id, "t/" + i, SubscriptionOptions.ofQos(1)))).toCompletableFuture();
        }
        CompletableFuture.allOf(writes).orTimeout(30, TimeUnit.SECONDS).join();
        List<SessionPersistence.Dormant> all = restore();
        assertThat(all).hasSize(n);
        assertThat(all).extracting(SessionPersistence.Dormant::clientId).doesNotHaveDuplicates();
        assertThat(all).allMatch(d -> d.subscriptions().size() == 1);
    }

    /**
     * A will as the broker hands it over (ConnectFlow, Wills): a template with no id yet and its
     * Message Expiry Interval in seconds. Writing one used to throw (no id to encode), failing
     * the write and every batch sent with it, so no will reached Redis.
     */
    @Test
    void aWillTemplateWithoutIdAndWithARelativeExpiryIsKeptAsItCame() {
        Message will = new Message(null, "will/t", "bye".getBytes(StandardCharsets.UTF_8), 1, false, "t", null, 0, 60,
                PublishProperties.NONE);
        write(new Change.SessionSaved("t", 5, 300, 0), new Change.WillSet("t", will, 5));
        assertThat(redis.cli().hexists("perch:session:{t}", "will.id")).isFalse();
        assertThat(redis.cli().hget("perch:session:{t}", "will.expires_at")).isEqualTo("60");

        StoredSession.StoredWill loaded = load("t").orElseThrow().will();
        assertThat(loaded).as("loaded").isNotNull();
        assertThat(loaded.delaySeconds()).isEqualTo(5);
        assertThat(loaded.message().topic()).isEqualTo("will/t");
        assertThat(loaded.message().payload()).isEqualTo("bye".getBytes(StandardCharsets.UTF_8));
        assertThat(loaded.message().expiresAt()).as("still the interval, counted from publication").isEqualTo(60);
        SessionPersistence.Dormant restored = restore().get(0);
        assertThat(restored.will()).as("restored").isNotNull();
        assertThat(restored.will().message().topic()).isEqualTo("will/t");
    }

    @Test
    void theExpiryAndWillSetsFollowTheSession() {
        var cli = redis.cli();
        write(new Change.SessionSaved("c", 5, 60, 0), new Change.WillSet("c", message("w", "w"), 10));
        assertThat(cli.zscore("perch:expiry", "c")).as("connected").isNull();
        assertThat(cli.zscore("perch:wills", "c")).as("connected: due only after a disconnect").isEqualTo(Double.POSITIVE_INFINITY);
        write(new Change.SessionSaved("c", 5, 60, 1_000_000));
        assertThat(cli.zscore("perch:expiry", "c")).isEqualTo(1_060_000.0);
        assertThat(cli.zscore("perch:wills", "c")).isEqualTo(1_010_000.0);
        write(new Change.SessionSaved("c", 5, 60, 0));
        assertThat(cli.zscore("perch:expiry", "c")).isNull();
        write(new Change.SessionSaved("c", 5, 0xFFFFFFFFL, 2_000_000));
        assertThat(cli.zscore("perch:expiry", "c")).as("never expires").isNull();
        write(new Change.WillDeleted("c"));
        assertThat(cli.zscore("perch:wills", "c")).isNull();
        assertThat(cli.hkeys("perch:session:{c}")).containsExactlyInAnyOrder("proto", "expiry", "disconnected_at");
        assertThat(load("c").orElseThrow().will()).isNull();
    }

    @Test
    void anUnboundStoreFailsItsCallsClearly() {
        RedisSessionPersistence unbound = new RedisSessionPersistence(io.perch.redis.codec.Compat.PERCH,
                io.perch.redis.config.AckMode.REDIS);
        assertThatThrownBy(() -> unbound.write(List.of(new Change.SessionSaved("c", 5, 60, 0))).toCompletableFuture().join())
                .hasMessageContaining("not bound to a pool");
        assertThatThrownBy(() -> unbound.load("c").toCompletableFuture().join()).hasMessageContaining("not bound to a pool");
        assertThatThrownBy(() -> unbound.restore().toCompletableFuture().join()).hasMessageContaining("not bound to a pool");
    }

    /**
     * A batch that cannot be turned into Redis commands (a bug: here a message without an id)
     * fails alone; the other sessions' batches that go in the same write are written.
     */
    @Test
    void aBatchThatCannotBeWrittenFailsAloneNotTheOthersOfItsWrite() {
        redis.cli().clientPause(300); // the first write waits at Redis: the next two go together after it
        CompletableFuture<Void> first = store.write(List.of(new Change.SessionSaved("a", 5, 60, 0))).toCompletableFuture();
        CompletableFuture<Void> bad = store.write(List.of(
                new Change.SessionMessageAdded("b", 1, null, 1, false, new int[0], null, null))).toCompletableFuture();
        CompletableFuture<Void> good = store.write(List.of(new Change.SessionSaved("c", 5, 60, 0))).toCompletableFuture();
        CompletableFuture.allOf(first, good).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(bad).isCompletedExceptionally();
        assertThat(redis.cli().hget("perch:session:{c}", "proto")).isEqualTo("5");
    }

    /** created_at is kept; a write that does not know it (0) leaves it as it is. */
    @Test
    void theCreationTimeIsKeptAndNotOverwrittenByAWriterThatDoesNotKnowIt() {
        write(new Change.SessionSaved("c9", 5, 3600, 0, 1_700_000_000_123L));
        assertThat(load("c9").orElseThrow().createdAt()).isEqualTo(1_700_000_000_123L);
        write(new Change.SessionSaved("c9", 5, 3600, System.currentTimeMillis()));
        assertThat(load("c9").orElseThrow().createdAt()).isEqualTo(1_700_000_000_123L);
        assertThat(redis.cli().hget("perch:session:{c9}", "created_at")).isEqualTo("1700000000123");
    }

    /**
     * Every write raises perch:clock to the highest clock reading behind its seqs and message
     * ids, and never lowers it: a broker starting with its wall clock stepped back reads it and
     * numbers new messages above every stored one.
     */
    @Test
    void theClockFloorIsTheHighestStoredSeqOrMessageIdAndNeverGoesBack() {
        assertThat(store.clockFloor().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join()).isZero();
        Message m = message("floor/t", "a");
        write(new Change.SessionSaved("f1", 5, 3600, 0), new Change.MessageAdded(m), queued("f1", 1, m));
        assertThat(Long.parseLong(redis.cli().get("perch:clock"))).isEqualTo(m.id().timestampMicros());

        long ahead = (System.currentTimeMillis() + 3_600_000L) * 1000;
        Message n = message("floor/t", "b");
        write(new Change.MessageAdded(n), queued("f1", ahead << io.perch.broker.session.Seqs.WRITER_BITS | 5, n));
        assertThat(store.clockFloor().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(ahead);

        Message later = message("floor/t", "c"); // its id is behind the seq above
        write(new Change.MessageAdded(later), queued("f1", 2, later));
        assertThat(store.clockFloor().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(ahead);
        // A write that stores no seq or id leaves it alone.
        write(new Change.SessionSaved("f2", 5, 3600, 0));
        assertThat(redis.cli().get("perch:clock")).isEqualTo(Long.toString(ahead));
    }
}
