package io.perch.redis.session;

import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.Phase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The staging of the Redis session store without Redis: one write at a time goes out, what
 * comes meanwhile waits and goes together next, and a message accepted and let go while it
 * waits never goes at all (with its body), its batch answered at once.
 */
class WriteStagingTest {
    /** What was handed to the pipeline, one list of batches per write; each write completes by hand. */
    private final List<List<List<Change>>> sent = new ArrayList<>();
    private final List<CompletableFuture<Void>> replies = new ArrayList<>();
    private final WriteStaging staging = new WriteStaging(batches -> {
        List<List<Change>> write = new ArrayList<>();
        batches.forEach(b -> write.add(List.copyOf(b.changes)));
        sent.add(write);
        CompletableFuture<Void> reply = new CompletableFuture<>();
        replies.add(reply);
        return reply;
    }, java.time.Duration.ZERO);

    private static Message message(long n) {
        return new Message(new MessageId(n, n), "t", new byte[]{1}, 1, false, "p", null, 0, 0, null);
    }

    private static List<Change> accepted(String cid, long seq, Message m) {
        return new ArrayList<>(List.of(new Change.MessageAdded(m),
                new Change.SessionMessageAdded(cid, seq, m.id(), 1, false, new int[0], null, null),
                new Change.SessionMessageUpdated(cid, seq, (int) seq, Phase.SENT)));
    }

    /** A staging whose writes complete at once, each batch's changes recorded in {@code written}. */
    private static WriteStaging recording(List<List<Change>> written, java.time.Duration linger) {
        return new WriteStaging(batches -> {
            batches.forEach(b -> written.add(List.copyOf(b.changes)));
            return CompletableFuture.completedFuture(null);
        }, linger);
    }

    private static List<Change> acked(String cid, long seq, Message m) {
        return new ArrayList<>(List.of(new Change.SessionMessageDeleted(cid, seq, m.id())));
    }

    /**
     * An entry written again under its seq (Redis may hold its first write) and acknowledged
     * while it waits: both go, so that the acknowledgement deletes what Redis may hold. Made
     * moot, the first write's entry would stay in Redis and come back on the next load.
     */
    @Test
    void anEntryWrittenAgainAndAcknowledgedWhileWaitingStillGoesWithItsDelete() {
        staging.stage(accepted("c", 1, message(1))); // at Redis
        Message m = message(2);
        List<Change> again = new ArrayList<>(List.of(new Change.MessageAdded(m),
                new Change.SessionMessageAdded("c", 2, m.id(), 1, false, new int[0], null, null, true),
                new Change.SessionMessageUpdated("c", 2, 2, Phase.SENT)));
        CompletableFuture<Void> written = staging.stage(again);
        CompletableFuture<Void> ack = staging.stage(acked("c", 2, m));
        assertThat(written).isNotDone();
        assertThat(ack).isNotDone();

        replies.get(0).complete(null);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1)).containsExactly(again, acked("c", 2, m));
    }

    @Test
    void oneWriteAtATimeAndWhatWaitsGoesTogether() {
        CompletableFuture<Void> first = staging.stage(accepted("c", 1, message(1)));
        CompletableFuture<Void> second = staging.stage(accepted("c", 2, message(2)));
        CompletableFuture<Void> third = staging.stage(accepted("d", 3, message(3)));
        assertThat(sent).hasSize(1);
        assertThat(second).isNotDone();

        replies.get(0).complete(null);
        assertThat(first).isCompleted();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1)).hasSize(2); // the second and third batches, in order, as one write
        assertThat(second).isNotDone();
        replies.get(1).complete(null);
        assertThat(second).isCompleted();
        assertThat(third).isCompleted();
    }

    @Test
    void aMessageAcceptedAndAcknowledgedWhileWaitingNeverGoesAndItsBatchIsAnswered() {
        staging.stage(accepted("c", 1, message(1))); // at Redis
        Message m = message(2);
        CompletableFuture<Void> accepted = staging.stage(accepted("c", 2, m));
        CompletableFuture<Void> ack = staging.stage(acked("c", 2, m));

        assertThat(accepted).as("nothing of it is left to write").isCompleted();
        assertThat(ack).isCompleted();
        replies.get(0).complete(null);
        assertThat(sent).as("nothing waited, so nothing more went").hasSize(1);
    }

    @Test
    void onlyTheCancelledMessageLeavesABatchThatHoldsMore() {
        staging.stage(accepted("c", 1, message(1))); // at Redis
        Message gone = message(2);
        List<Change> batch = accepted("c", 2, gone);
        batch.add(new Change.AwaitingRelAdded("c", 9));
        CompletableFuture<Void> accepted = staging.stage(batch);
        staging.stage(acked("c", 2, gone));
        assertThat(accepted).isNotDone();

        replies.get(0).complete(null);
        assertThat(sent.get(1)).containsExactly(List.of(new Change.AwaitingRelAdded("c", 9)));
        replies.get(1).complete(null);
        assertThat(accepted).isCompleted();
    }

    @Test
    void anAckOfAMessageAlreadyAtRedisIsWritten() {
        Message m = message(1);
        staging.stage(accepted("c", 1, m)); // at Redis
        staging.stage(acked("c", 1, m));
        replies.get(0).complete(null);
        assertThat(sent.get(1)).containsExactly(acked("c", 1, m));
    }

    @Test
    void aBodySharedWithAnotherWaitingMessageStays() {
        staging.stage(accepted("x", 9, message(9))); // at Redis
        Message m = message(1);
        List<Change> both = new ArrayList<>(accepted("c", 1, m));
        Change second = new Change.SessionMessageAdded("c", 2, m.id(), 1, false, new int[0], null, null);
        both.add(second);
        staging.stage(both);
        staging.stage(acked("c", 1, m));
        replies.get(0).complete(null);
        assertThat(sent.get(1).get(0)).containsExactly(new Change.MessageAdded(m), second);
    }

    @Test
    void aBatchLingersSoThatAQuickAcknowledgementKeepsItFromRedis() throws Exception {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            List<List<Change>> written = new java.util.concurrent.CopyOnWriteArrayList<>();
            // A linger longer than this test: only the acknowledgement ends the wait.
            WriteStaging lingering = recording(written, java.time.Duration.ofSeconds(30));
            lingering.timer(timer);
            Message m = message(1);
            CompletableFuture<Void> accepted = lingering.stage(accepted("c", 1, m));
            assertThat(accepted).isNotDone();
            lingering.stage(acked("c", 1, m));
            assertThat(accepted).isCompleted();

            CompletableFuture<Void> kept = lingering.stage(accepted("c", 2, message(2)));
            lingering.flush(); // what a load does before its read
            assertThat(kept).isCompleted();
            assertThat(written).hasSize(1);
            assertThat(written.get(0)).hasSize(3);
        } finally {
            timer.shutdownNow();
        }
    }

    /**
     * A batch that puts nothing in flight (a message queued for a session away, a subscription)
     * cannot be made moot by a quick acknowledgement, so it does not linger: its publisher
     * waited the linger for nothing. One that puts a message in flight still does.
     */
    @Test
    void onlyABatchThatPutsAMessageInFlightLingers() {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            List<List<Change>> written = new java.util.concurrent.CopyOnWriteArrayList<>();
            WriteStaging lingering = recording(written, java.time.Duration.ofSeconds(30)); // longer than this test
            lingering.timer(timer);
            Message m = message(1);
            List<Change> queued = new ArrayList<>(List.of(new Change.MessageAdded(m),
                    new Change.SessionMessageAdded("away", 1, m.id(), 1, false, new int[0], null, null)));

            assertThat(lingering.stage(queued)).as("queued for a session away").isCompleted();
            assertThat(lingering.stage(new ArrayList<>(List.of(new Change.SubscriptionAdded("away", "t/#",
                    io.perch.broker.message.SubscriptionOptions.ofQos(1)))))).isCompleted();
            assertThat(lingering.stage(accepted("here", 1, message(2)))).as("in flight").isNotDone();
            assertThat(written).hasSize(2);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aLingeringBatchGoesWhenItsTimeIsUp() {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            WriteStaging lingering = new WriteStaging(batches -> CompletableFuture.completedFuture(null),
                    java.time.Duration.ofMillis(5));
            lingering.timer(timer);
            CompletableFuture<Void> accepted = lingering.stage(accepted("c", 1, message(1)));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(accepted::isDone);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aBatchBehindOneThatWasAnsweredMeanwhileStillGoesOnItsOwnTime() throws Exception {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            WriteStaging lingering = new WriteStaging(batches -> CompletableFuture.completedFuture(null),
                    java.time.Duration.ofMillis(50));
            lingering.timer(timer);
            Message first = message(1);
            lingering.stage(accepted("c", 1, first));
            Thread.sleep(5); // so the second batch is due later than the first: the timing under test
            CompletableFuture<Void> second = lingering.stage(accepted("c", 2, message(2)));
            lingering.stage(acked("c", 1, first)); // the first batch is answered and left empty
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(second::isDone);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void flushSendsWhatWaitsBehindTheWriteAtRedisSoAReadSeesIt() {
        staging.stage(accepted("c", 1, message(1))); // at Redis
        CompletableFuture<Void> waiting = staging.stage(accepted("c", 2, message(2)));
        staging.flush();
        assertThat(sent).hasSize(2);
        replies.get(1).complete(null);
        assertThat(waiting).isCompleted();
        replies.get(0).complete(null);
        assertThat(sent).as("nothing left for the next write").hasSize(2);
    }

    /**
     * A QoS 2 publish's writes (the subscriber's copy, then the publisher's packet id) must reach
     * Redis in one write: with nothing at Redis, the first would otherwise go alone at once, and
     * a crash between the two writes would keep the message without the id (the client's
     * resend is then routed again: delivered twice).
     */
    @Test
    void aGroupsBatchesGoInOneWriteEvenWhenNothingIsAtRedis() {
        Message m = message(1);
        CompletableFuture<Void> copy;
        CompletableFuture<Void> id;
        try (var group = staging.group()) {
            copy = staging.stage(accepted("sub", 1, m));
            assertThat(sent).as("held while the group is open").isEmpty();
            id = staging.stage(new ArrayList<>(List.of(new Change.AwaitingRelAdded("pub", 7))));
            assertThat(sent).isEmpty();
        }
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0)).hasSize(2);
        assertThat(sent.get(0).get(1)).containsExactly(new Change.AwaitingRelAdded("pub", 7));
        replies.get(0).complete(null);
        assertThat(copy).isCompleted();
        assertThat(id).isCompleted();
    }

    @Test
    void batchesStagedBeforeAGroupOpenedGoWithoutIt() {
        staging.stage(accepted("c", 1, message(1))); // at Redis
        staging.stage(accepted("c", 2, message(2))); // waits behind it
        var group = staging.group();
        staging.stage(accepted("d", 3, message(3))); // held by the group
        replies.get(0).complete(null);
        assertThat(sent).hasSize(2);
        assertThat(addedSeqs(sent.get(1))).containsExactly(2L);

        group.close(); // a write is at Redis: the group's batch waits for it, then goes alone
        assertThat(sent).hasSize(2);
        replies.get(1).complete(null);
        assertThat(sent).hasSize(3);
        assertThat(addedSeqs(sent.get(2))).containsExactly(3L);
    }

    @Test
    void aGroupOpenedByAnotherThreadHoldsLaterBatchesOfEverySessionInOrder() {
        var group = staging.group();
        staging.stage(accepted("sub", 1, message(1)));
        staging.stage(accepted("other", 2, message(2))); // any session: order must hold
        staging.flush(); // a read: it goes behind what the group holds
        assertThat(sent).isEmpty();
        group.close();
        assertThat(sent).hasSize(1);
        assertThat(addedSeqs(sent.get(0))).containsExactly(1L, 2L);
    }

    /**
     * A CONNECT's load reads behind a flush. A batch an open group held when the flush came (a
     * message another thread routed to the stored session just before) is written only when the
     * group closes, so the read waits until then: before, it went at once and the session loaded
     * without that message, although its publisher was answered once the group's write was done.
     */
    @Test
    void aReadWaitsForWhatAnOpenGroupHeldWhenItFlushed() {
        var group = staging.group();
        staging.stage(accepted("sub", 1, message(1)));
        CompletableFuture<Void> readMayGo = staging.flush();
        assertThat(readMayGo).as("the held batch is not written yet").isNotDone();
        group.close();
        assertThat(sent).hasSize(1);
        assertThat(readMayGo).as("written, not yet stored").isNotDone();
        replies.get(0).complete(null);
        assertThat(readMayGo).isCompleted();

        staging.stage(accepted("sub", 2, message(2)));
        assertThat(staging.flush()).as("nothing held: the read goes behind the write at once").isCompleted();
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void flushReturnsOnlyOnceAWriteAnotherThreadIsHandingOverIsInThePipeline() throws Exception {
        java.util.concurrent.CountDownLatch translating = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> pipeline = java.util.Collections.synchronizedList(new ArrayList<>());
        WriteStaging slow = new WriteStaging(batches -> {
            translating.countDown();
            try {
                release.await(); // a large write's translation, on the thread that took it from outgoing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pipeline.add("write");
            return CompletableFuture.completedFuture(null);
        }, java.time.Duration.ZERO);
        Thread router = new Thread(() -> slow.stage(accepted("sub", 1, message(1))));
        router.start();
        translating.await();

        CompletableFuture<Void> flushed = CompletableFuture.runAsync(() -> {
            slow.flush();
            pipeline.add("read"); // what a load submits once flush returns
        });
        // Flush must stay blocked while the write is still on its way (a read would pass it).
        org.awaitility.Awaitility.await("flush waits for the write").during(java.time.Duration.ofMillis(200))
                .atMost(java.time.Duration.ofSeconds(2)).until(() -> !flushed.isDone());
        release.countDown();
        flushed.get(5, java.util.concurrent.TimeUnit.SECONDS);
        router.join(5_000);
        assertThat(pipeline).containsExactly("write", "read");
    }

    @Test
    void aRuleWriteStillGoesBeforeADirectCommandAfterABarrier() {
        CompletableFuture<Void> barrier = staging.barrier();
        assertThat(sent).hasSize(1);
        replies.get(0).complete(null);
        assertThat(barrier).isCompleted();

        staging.stage(accepted("sub", 1, message(1))); // at Redis
        io.perch.redis.client.RedisCall rule = r -> null;
        CompletableFuture<Void> ruleWrite;
        try (var group = staging.group()) {
            ruleWrite = staging.stageInGroup(List.of(rule));
        }
        assertThat(sent).as("the rule write waits for the write at Redis").hasSize(2);
        staging.beforeDirect();
        assertThat(sent).as("a direct command must find the rule's write at Redis before it").hasSize(3);
        replies.get(1).complete(null);
        replies.get(2).complete(null);
        assertThat(ruleWrite).isCompleted();
    }

    private static List<Long> addedSeqs(List<List<Change>> write) {
        return write.stream().flatMap(List::stream).filter(c -> c instanceof Change.SessionMessageAdded)
                .map(c -> ((Change.SessionMessageAdded) c).seq()).toList();
    }

    @Test
    void aMessageAcknowledgedWhileItsGroupIsOpenStillNeverGoes() {
        Message m = message(1);
        CompletableFuture<Void> copy;
        try (var group = staging.group()) {
            copy = staging.stage(accepted("sub", 1, m));
            staging.stage(acked("sub", 1, m));
        }
        assertThat(copy).isCompleted();
        assertThat(sent).isEmpty();
    }

    /**
     * A group's batches staged further apart than the linger (a slow routing, a GC pause) still
     * go in one write: the linger used to send the older ones on their own when the group
     * closed, and a crash before the next write kept the subscriber's copy of a QoS 2 message
     * without the publisher's packet id (CI saw the resend delivered twice).
     */
    @Test
    void aGroupStagedLongerThanTheLingerStillGoesInOneWrite() {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            long[] now = {0};
            List<List<List<Change>>> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
            // The timer's own delays are real and an hour long: only the test's clock makes a batch due.
            WriteStaging lingering = new WriteStaging(batches -> {
                writes.add(batches.stream().map(b -> List.copyOf(b.changes)).toList());
                return CompletableFuture.completedFuture(null);
            }, java.time.Duration.ofHours(1), () -> now[0]);
            lingering.timer(timer);
            Message m = message(1);
            try (var group = lingering.group()) {
                lingering.stage(accepted("sub", 1, m));
                now[0] += java.time.Duration.ofHours(2).toNanos(); // the copy has lingered, the id has not
                lingering.stage(new ArrayList<>(List.of(new Change.AwaitingRelAdded("pub", 7))));
            }
            assertThat(writes).hasSize(1);
            assertThat(writes.get(0)).hasSize(2);
            assertThat(writes.get(0).get(1)).containsExactly(new Change.AwaitingRelAdded("pub", 7));
        } finally {
            timer.shutdownNow();
        }
    }

    /**
     * Two publishes' groups open at once share the batches staged while both were open: the one
     * closed first waits for the other, and both go in one write.
     */
    @Test
    void overlappingGroupsGoTogether() {
        var first = staging.group();
        staging.stage(accepted("sub", 1, message(1)));
        var second = staging.group(); // another publisher's thread
        staging.stage(accepted("sub", 2, message(2)));
        staging.stage(new ArrayList<>(List.of(new Change.AwaitingRelAdded("pub1", 1))));
        first.close();
        assertThat(sent).as("the open second group holds the first one's batches too").isEmpty();
        staging.stage(new ArrayList<>(List.of(new Change.AwaitingRelAdded("pub2", 1))));
        second.close();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0)).hasSize(4);
    }
}
