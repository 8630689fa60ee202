package io.perch.broker.core;

import io.netty.channel.DefaultEventLoopGroup;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.message.Message;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.broker.persist.StoredSession;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.testkit.RecordingPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that comes back right after a start, before the periodic look at the deadlines
 * (every 500 ms) has run: what fell due while the broker was down happens at its CONNECT, as it
 * would have at its time. An expired session is not resumed; a will whose delay passed is sent.
 * (Found by perch-server's WillsAndExpiryAcrossKillTest: a client back at once after a kill -9
 * got its expired session back, session present 1, with its queued messages.)
 */
class DormantDueOnReturnTest {
    private final DefaultEventLoopGroup timers = new DefaultEventLoopGroup(1);
    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private final BrokerCore core = new BrokerCore(BrokerConfig.builder().nodeName("n@127.0.0.1").build(),
            new HookRegistry(), new MemorySessionStore(), new MemoryRetainedStore(), timers,
            new RecordingPersistence(changes));

    @AfterEach
    void stop() {
        timers.shutdownGracefully();
    }

    private static StoredSession.StoredWill will(String topic, long delaySeconds) {
        return new StoredSession.StoredWill(new Message(null, topic, "bye".getBytes(StandardCharsets.UTF_8), 1, false,
                "c", null, 0, 0, PublishProperties.NONE), delaySeconds);
    }

    @Test
    void aSessionThatExpiredWhileTheBrokerWasDownEndsAtItsClientsConnect() {
        long tenSecondsAgo = System.currentTimeMillis() - 10_000;
        core.sessions.restore(List.of(new SessionPersistence.Dormant("gone", tenSecondsAgo, 5,
                Map.of("t", SubscriptionOptions.ofQos(1)), 3, will("will/gone", 60), 5)));

        assertThat(core.sessions.beginLoad("gone", false)).as("loads the expired session").isFalse();

        assertThat(core.dormant.size()).isZero();
        assertThat(changes).as("its will (due at the latest at the expiry) is sent, then the session deleted")
                .containsExactly(new Change.WillDeleted("gone"), new Change.SessionDeleted("gone"));
        assertThat(core.stats.sessionsExpired.sum()).isEqualTo(1);
    }

    @Test
    void aWillWhoseDelayPassedWhileTheBrokerWasDownIsSentAtItsClientsConnect() {
        long tenSecondsAgo = System.currentTimeMillis() - 10_000;
        core.sessions.restore(List.of(new SessionPersistence.Dormant("late", tenSecondsAgo, 3600,
                Map.of("t", SubscriptionOptions.ofQos(1)), 0, will("will/late", 2), 5)));

        assertThat(core.sessions.beginLoad("late", false)).as("the session lives on: it is loaded").isTrue();

        assertThat(changes).containsExactly(new Change.WillDeleted("late"));
    }

    @Test
    void aCleanStartAlsoRunsWhatFellDueFirst() {
        long tenSecondsAgo = System.currentTimeMillis() - 10_000;
        core.sessions.restore(List.of(new SessionPersistence.Dormant("fresh", tenSecondsAgo, 3600,
                Map.of(), 0, will("will/fresh", 2), 5)));

        assertThat(core.sessions.beginLoad("fresh", true)).isFalse();
        core.sessions.open(io.perch.broker.hook.event.ClientInfo.system("fresh", "n@127.0.0.1"), true, 0, () -> { });

        assertThat(changes).containsExactly(new Change.WillDeleted("fresh"), new Change.SessionDeleted("fresh"));
    }

    /**
     * A session whose client was connected when the process stopped is disconnected from this
     * start on, and the store is told: otherwise each later restart would count its expiry from
     * that restart, and a broker that keeps crashing would keep it forever.
     */
    @Test
    void aSessionConnectedAtTheCrashIsStoredAsDisconnectedAtTheStart() {
        long before = System.currentTimeMillis();
        core.sessions.restore(List.of(new SessionPersistence.Dormant("was-on", 0, 3600,
                Map.of(), 0, null, 5)));
        assertThat(changes).singleElement().satisfies(c -> {
            Change.SessionSaved saved = (Change.SessionSaved) c;
            assertThat(saved.clientId()).isEqualTo("was-on");
            assertThat(saved.protocolVersion()).isEqualTo(5);
            assertThat(saved.expiryIntervalSeconds()).isEqualTo(3600);
            assertThat(saved.disconnectedAt()).isBetween(before, System.currentTimeMillis());
        });
    }
}
