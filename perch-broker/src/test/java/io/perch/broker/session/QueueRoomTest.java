package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.RecordingConnection;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Back-pressure ({@link QueueRoom}) through a session: a window of one keeps every message
 * after the first in the queue, each with 300 payload bytes, against a mark of 1,000 bytes.
 */
class QueueRoomTest {
    private static final int PAYLOAD = 300;
    private static final long MARK = 1000;
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");
    private final RecordingConnection wire = new RecordingConnection(65535);
    private final BrokerStats stats = new BrokerStats();

    private Session session(long mark, long maxWaitMillis) {
        Session s = new Session("c", ClientInfo.system("c", "n@h"), 1, 0, true, 10, SessionListener.NONE, stats);
        s.backpressure(mark, maxWaitMillis);
        s.attach(wire, ClientInfo.system("c", "n@h"));
        return s;
    }

    /** What each publisher's acknowledgement would wait for, one per message offered. */
    private List<CompletableFuture<Void>> offer(Session s, int n) {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Message m = new Message(ids.next(), "t", new byte[PAYLOAD], 1, false, "p", null, 0, 0, PublishProperties.NONE);
            CompletionStage<Void> w = s.offerLive(Pending.of(m, 1, false, null));
            waits.add(w == null ? CompletableFuture.completedFuture(null) : w.toCompletableFuture());
        }
        return waits;
    }

    private int acked;

    /** The PUBACK of the oldest message in flight (the window is one). */
    private void ackNext(Session s) {
        assertThat(s.puback(wire.packetIds.get(acked++))).isTrue();
    }

    @Test
    void acknowledgementsWaitWhileTheQueueIsOverTheMarkAndGoWhenItIsDownToHalf() {
        Session s = session(MARK, 60_000);
        // 1 in flight, then 3 queued (900 bytes): under the mark, nothing waits.
        assertThat(offer(s, 4)).allMatch(CompletableFuture::isDone);
        // The 5th makes 1,200 queued bytes: it waits, and so does the next.
        List<CompletableFuture<Void>> held = offer(s, 2);
        assertThat(held).noneMatch(CompletableFuture::isDone);
        assertThat(s.holdingAcks()).isTrue();
        assertThat(stats.backpressureHolds.sum()).isEqualTo(1);

        // 5 queued (1,500 bytes). Each PUBACK moves one from the queue into flight: at 600
        // bytes still over half the mark, at 300 under it.
        ackNext(s);
        ackNext(s);
        ackNext(s);
        assertThat(s.queueSize()).isEqualTo(2);
        assertThat(held).noneMatch(CompletableFuture::isDone);
        ackNext(s);
        assertThat(s.queueSize()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> held.stream().allMatch(CompletableFuture::isDone));
        assertThat(held).noneMatch(CompletableFuture::isCompletedExceptionally);
        assertThat(s.holdingAcks()).isFalse();
    }

    @Test
    void aDisconnectLetsTheAcknowledgementsGo() {
        Session s = session(MARK, 60_000);
        List<CompletableFuture<Void>> waits = offer(s, 6);
        CompletableFuture<Void> last = waits.get(5);
        assertThat(last).isNotDone();
        s.detach(wire, false);
        await().atMost(Duration.ofSeconds(5)).until(last::isDone);
        // Offline, the queue holds no one, however full.
        assertThat(offer(s, 3)).allMatch(CompletableFuture::isDone);
    }

    @Test
    void aQueueThatDoesNotDrainHoldsOnceForAtMostTheMaximumWait() {
        Session s = session(MARK, 200);
        CompletableFuture<Void> held = offer(s, 6).get(5);
        assertThat(held).isNotDone();
        await().atMost(Duration.ofSeconds(5)).until(held::isDone);
        // Still full and no PUBACK came: later messages are not held again.
        assertThat(offer(s, 3)).allMatch(CompletableFuture::isDone);
        assertThat(stats.backpressureHolds.sum()).isEqualTo(1);

        // Once it drained to half it may hold again.
        while (s.queueSize() > 1) {
            ackNext(s);
        }
        assertThat(offer(s, 4).get(3)).isNotDone();
        assertThat(stats.backpressureHolds.sum()).isEqualTo(2);
    }

    @Test
    void whatAnotherNodeForwardedIsNotHeld() {
        Session s = session(MARK, 60_000);
        assertThat(offer(s, 6).get(5)).isNotDone();
        for (int i = 0; i < 3; i++) {
            Message m = new Message(ids.next(), "t", new byte[PAYLOAD], 1, false, "p", null, 0, 0, PublishProperties.NONE);
            CompletionStage<Void> w = s.offerForwarded(Pending.of(m, 1, false, null),
                    io.perch.broker.cluster.InboxPosition.of("perch:inbox:other", "1-" + i));
            assertThat(w == null || w.toCompletableFuture().isDone()).as("forwarded %d", i).isTrue();
        }
        assertThat(s.queueSize()).isEqualTo(8);
    }

    @Test
    void markZeroNeverHolds() {
        Session s = session(0, 60_000);
        assertThat(offer(s, 50)).allMatch(CompletableFuture::isDone);
        assertThat(s.queueSize()).isEqualTo(49);
    }
}
