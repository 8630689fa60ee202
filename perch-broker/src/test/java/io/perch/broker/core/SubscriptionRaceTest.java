package io.perch.broker.core;

import io.netty.channel.DefaultEventLoopGroup;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.retain.MemoryRetainedStore;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.session.Session;
import io.perch.broker.topic.SubscriptionTree;
import io.perch.broker.topic.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscribes and unsubscribes of one session from different threads (the client's event loop,
 * the Redis subscription channel, the REST API) and its end, raced without sockets: afterwards
 * the session's table and the subscription tree agree, and an ended session is in neither.
 */
class SubscriptionRaceTest {
    private static final SubscriptionOptions QOS1 = new SubscriptionOptions(1, false, false, 0, 0, null);
    private static final int ROUNDS = 20_000;
    private final DefaultEventLoopGroup timers = new DefaultEventLoopGroup(1);
    private final BrokerCore core = new BrokerCore(BrokerConfig.builder().nodeName("race@127.0.0.1")
            .listeners(List.of()).sysInterval(Duration.ZERO).build(),
            new HookRegistry(), new MemorySessionStore(), new MemoryRetainedStore(), timers);

    @AfterEach
    void stop() {
        timers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Session open(String clientId) {
        ClientInfo info = new ClientInfo(clientId, null, "127.0.0.1", 1, 4, false, 60, System.currentTimeMillis(),
                "race@127.0.0.1", "tcp:external");
        return core.sessions.open(info, false, 3600, () -> { }).session();
    }

    /** Filters the tree holds for this session. */
    private Set<String> inTree(Session s, List<String> filters) {
        Set<String> out = new HashSet<>();
        for (String f : filters) {
            boolean[] found = {false};
            core.tree.match(f, new SubscriptionTree.Matches<>() {
                @Override
                public void subscriber(String who, SubscriptionOptions o) {
                    found[0] |= who.equals(s.clientId());
                }

                @Override
                public void group(SubscriptionTree.SharedGroup<String> g) {
                }
            });
            if (found[0]) {
                out.add(f);
            }
        }
        return out;
    }

    private static void race(Runnable a, Runnable b) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        Thread ta = new Thread(() -> {
            await(start);
            a.run();
        });
        Thread tb = new Thread(() -> {
            await(start);
            b.run();
        });
        ta.start();
        tb.start();
        start.countDown();
        ta.join(60_000);
        tb.join(60_000);
        assertThat(ta.isAlive() || tb.isAlive()).as("racers finished").isFalse();
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void subscribeAndUnsubscribeFromTwoThreadsLeaveTableAndTreeEqual() throws Exception {
        Session s = open("racer");
        List<String> filter = List.of("r/1");
        Topics.Parsed parsed = Topics.parseSubscription("r/1");
        // Each round: subscribed, then one subscribe and one unsubscribe released together. Any
        // outcome is fine (subscribed or not) as long as the table and the tree agree; checking
        // after every round catches a bad interleaving before later rounds heal it.
        CyclicBarrier go = new CyclicBarrier(3);
        CyclicBarrier done = new CyclicBarrier(3);
        Thread sub = racer(go, done, () -> core.subscriptions.subscribe(s, parsed, QOS1));
        Thread unsub = racer(go, done, () -> core.subscriptions.unsubscribe(s, "r/1"));
        try {
            for (int round = 0; round < ROUNDS; round++) {
                core.subscriptions.subscribe(s, parsed, QOS1);
                go.await(10, TimeUnit.SECONDS);
                done.await(10, TimeUnit.SECONDS);
                assertThat(inTree(s, filter)).as("round %d", round).isEqualTo(s.subscriptions().keySet());
            }
        } finally {
            sub.interrupt();
            unsub.interrupt();
        }
    }

    private static Thread racer(CyclicBarrier go, CyclicBarrier done, Runnable op) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    go.await();
                    op.run();
                    done.await();
                }
            } catch (InterruptedException | BrokenBarrierException e) {
                // test over
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aSubscribeRacingTheEndOfTheSessionLeavesNothingBehind() throws Exception {
        for (int round = 0; round < 200; round++) {
            Session s = open("ending");
            Topics.Parsed p = Topics.parseSubscription("e/1");
            race(() -> {
                for (int i = 0; i < 50; i++) {
                    core.subscriptions.subscribe(s, p, QOS1);
                }
            }, () -> core.sessions.end(s, "kicked", HookPoints.SESSION_TERMINATED));
            assertThat(inTree(s, List.of("e/1"))).as("round %d", round).isEmpty();
            assertThat(s.subscriptions()).isEmpty();
        }
        assertThat(core.tree.size()).isZero();
    }
}
