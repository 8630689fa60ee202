package io.perch.broker.it;

import io.perch.broker.api.BrokerService;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.ChurnClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients subscribe, unsubscribe, reconnect (clean or not) and are kicked over real sockets,
 * while publishers run and another thread subscribes and unsubscribes them through the broker
 * API as the Redis subscription channel does. When it stops, every session's subscriptions and
 * the subscription tree agree: no filter in a session without its tree entry, no tree entry
 * for a session that does not have it (or does not exist).
 */
class SubscriptionChurnTest extends BrokerTest {
    private static final Duration RUN = Duration.ofSeconds(3);
    private final ExecutorService pool = Executors.newFixedThreadPool(6);
    private ChurnClients clients;

    @AfterEach
    void stopAll() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        if (clients != null) {
            clients.close();
        }
    }

    @Test
    void sessionsAndTheTreeAgreeAfterConcurrentChurn() throws Exception {
        start();
        BrokerService api = broker.broker().service();
        clients = new ChurnClients(broker.tcpUri());
        long until = System.nanoTime() + RUN.toNanos();
        List<Future<?>> work = new ArrayList<>();
        for (int w = 0; w < ChurnClients.WORKERS; w++) {
            int worker = w;
            work.add(pool.submit(() -> clients.work(worker, until)));
        }
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(7);
            while (System.nanoTime() < until) { // the Redis subscription channel's calls
                String id = ChurnClients.id(r.nextInt(ChurnClients.CLIENTS));
                String f = ChurnClients.FILTERS.get(r.nextInt(ChurnClients.FILTERS.size()));
                if (r.nextBoolean()) {
                    api.subscribe(id, f, SubscriptionOptions.ofQos(1));
                } else {
                    api.unsubscribe(id, f);
                }
            }
        }));
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(11);
            while (System.nanoTime() < until) {
                api.kick(ChurnClients.id(r.nextInt(ChurnClients.CLIENTS)));
                sleepQuietly(20);
            }
        }));
        work.add(pool.submit(() -> {
            SplittableRandom r = new SplittableRandom(13);
            while (System.nanoTime() < until) {
                String topic = List.of("a/x", "a/b/c", "b/1", "c").get(r.nextInt(4));
                api.publish(api.newMessage(topic, "p".getBytes(StandardCharsets.UTF_8), r.nextInt(2), false, "churn-pub"));
            }
        }));
        for (Future<?> f : work) {
            f.get(30, TimeUnit.SECONDS); // rethrows what a worker threw
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ChurnClients.treeCounts(api)).isEqualTo(ChurnClients.sessionCounts(api)));
        assertThat(api.clients()).as("the churn left sessions to compare").isNotEmpty();
        assertThat(clients.unanswered).as("requests a live connection never got an answer to").isEmpty();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms); // pacing the kicks, not waiting for a result
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
