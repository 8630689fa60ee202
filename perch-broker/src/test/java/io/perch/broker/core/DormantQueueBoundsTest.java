package io.perch.broker.core;

import io.netty.channel.DefaultEventLoopGroup;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.DurableWrites;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.session.Pending;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link DormantSessions#offer} writes to the store for a stored session not in memory,
 * row by row: max_mqueue_len counts the messages the store had at start plus those written
 * since; max_mqueue_bytes counts only the payload bytes written since start (the store's
 * restore gives a count, not bytes). Past either, the new message is dropped and counted.
 */
class DormantQueueBoundsTest {
    /**
     * @param stored  messages the store says the session holds at start
     * @param offers  payload sizes offered, QoS 1
     * @param written how many of them are written to the store
     */
    record Row(String name, int maxLen, long maxBytes, long stored, List<Integer> offers, int written) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("no bounds", 0, 0, 5, List.of(100, 100, 100), 3),
            new Row("the count includes what was stored before the start", 4, 0, 3, List.of(10, 10, 10), 1),
            new Row("bytes written since start", 0, 250, 0, List.of(100, 100, 100), 2),
            new Row("bytes do not include what was stored before the start", 0, 250, 1000, List.of(100, 100, 100), 2),
            new Row("exactly at the byte bound fits", 0, 200, 0, List.of(100, 100), 2),
            new Row("one larger than the byte bound is dropped, a smaller one after it fits", 0, 150, 0,
                    List.of(200, 100), 1),
            new Row("both bounds: the first reached drops", 2, 1000, 0, List.of(10, 10, 10), 2));

    private final DefaultEventLoopGroup timers = new DefaultEventLoopGroup(1);
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");

    @AfterEach
    void stop() {
        timers.shutdownGracefully();
    }

    @Test
    void eachRow() {
        for (Row row : ROWS) {
            List<Change> changes = new ArrayList<>();
            BrokerCore core = new BrokerCore(BrokerConfig.builder().nodeName("n@127.0.0.1").maxMqueueLen(row.maxLen())
                    .maxMqueueBytes(row.maxBytes()).maxStoredSessions(10).build(), new HookRegistry(),
                    new MemorySessionStore(), new MemoryRetainedStore(), timers, recording(changes));
            core.sessions.restore(List.of(new SessionPersistence.Dormant("c", System.currentTimeMillis(), 3600,
                    Map.of("t", SubscriptionOptions.ofQos(1)), row.stored(), null, 5)));
            assertThat(core.keptSessions.count()).as(row.name() + ": a dormant session counts").isEqualTo(1);
            for (int size : row.offers()) {
                Message m = new Message(ids.next(), "t", new byte[size], 1, false, "p", null, 0, 0, PublishProperties.NONE);
                assertThat(core.dormant.offer("c", Pending.of(m, 1, false, null), new DurableWrites())).isTrue();
            }
            long written = changes.stream().filter(c -> c instanceof Change.SessionMessageAdded).count();
            assertThat(written).as(row.name() + ": written").isEqualTo(row.written());
            int dropped = row.offers().size() - row.written();
            assertThat(core.stats.messagesDroppedQueueFull.sum()).as(row.name()).isEqualTo(dropped);
            assertThat(core.stats.messagesDropped.sum()).as(row.name()).isEqualTo(dropped);
        }
    }

    private static SessionPersistence recording(List<Change> changes) {
        return new io.perch.broker.testkit.RecordingPersistence(changes);
    }
}
