package io.perch.redis.bench;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * What durable sessions cost in Redis memory, written through {@code RedisSessionPersistence}
 * as the broker writes them: {@code INFO memory} used_memory before and after, divided by the
 * count, and {@code MEMORY USAGE} of sample keys. Three cases: N stored sessions with one
 * subscription each (disconnected, expiring); N queued messages of a 100-byte payload for one
 * session; N/10 messages each queued for the same 10 sessions (one body, ten references). A
 * measurement, not an assertion; not part of the test run (the name does not end in Test). Run
 * {@code mvn -o -q -pl perch-redis -am verify -Dtest=SessionMemoryBench
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbench.n=100000} and read the BENCH lines in
 * perch-redis/target/surefire-reports/io.perch.redis.bench.SessionMemoryBench-output.txt.
 */
class SessionMemoryBench {
    private final MessageIdGenerator ids = new MessageIdGenerator("perch@127.0.0.1");
    private final byte[] payload = new byte[100];

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void redisMemoryPerSessionAndPerMessage() {
        int n = Integer.getInteger("bench.n", 100_000);
        try (TestRedis redis = TestRedis.start();
             Backend backend = Backend.start(redis, "backend.redis.backlog.max = " + (n * 4))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.plugin.pipeline("pool1").orElseThrow().isUp());
            SessionPersistence store = backend.plugin.stores().persistence();
            RedisCommands<String, String> cli = redis.cli();
            System.out.println("BENCH " + cli.info("server").lines().filter(l -> l.startsWith("redis_version")
                    || l.startsWith("os:")).toList() + ", n=" + n);

            // 1. Sessions: one subscription each, disconnected and expiring (as after a client leaves).
            long before = usedMemory(cli);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                String id = "client-" + i;
                writes.add(store.write(List.of(new Change.SessionSaved(id, 5, 3600, now),
                        new Change.SubscriptionAdded(id, "devices/" + i + "/cmd", SubscriptionOptions.ofQos(1))))
                        .toCompletableFuture());
            }
            join(writes);
            long sessions = usedMemory(cli) - before;
            report("stored session, one subscription", sessions, n);
            System.out.printf("BENCH   MEMORY USAGE perch:session:{client-1} %d B, perch:subs:{client-1} %d B,"
                            + " perch:sessions %d B and perch:expiry %d B for %d sessions%n",
                    cli.memoryUsage("perch:session:{client-1}"), cli.memoryUsage("perch:subs:{client-1}"),
                    cli.memoryUsage("perch:sessions"), cli.memoryUsage("perch:expiry"), n);

            // 2. Messages queued for one session, a 100-byte payload each.
            write(store, List.of(new Change.SessionSaved("queue", 5, 3600, now)));
            before = usedMemory(cli);
            long seq = 1;
            for (int i = 0; i < n; i++) {
                Message m = message();
                writes.add(store.write(List.of(new Change.MessageAdded(m), added("queue", seq++, m)))
                        .toCompletableFuture());
            }
            join(writes);
            long queued = usedMemory(cli) - before;
            report("queued message (100-byte payload), one session", queued, n);
            String body = cli.scan(ScanArgs.Builder.matches("perch:msg:*").limit(1000)).getKeys().get(0);
            System.out.printf("BENCH   MEMORY USAGE %s %d B (encoding %s), perch:out:{queue} %d B for %d entries%n",
                    body, cli.memoryUsage(body), cli.objectEncoding(body), cli.memoryUsage("perch:out:{queue}"), n);

            // 3. One message for 10 sessions: the body once, an entry in each session's queue.
            int fan = 10;
            for (int s = 0; s < fan; s++) {
                write(store, List.of(new Change.SessionSaved("fan-" + s, 5, 3600, now)));
            }
            before = usedMemory(cli);
            int messages = n / fan;
            for (int i = 0; i < messages; i++) {
                Message m = message();
                for (int s = 0; s < fan; s++) {
                    // As the broker writes it: every session that accepts it says "have this body".
                    writes.add(store.write(List.of(new Change.MessageAdded(m), added("fan-" + s, seq++, m)))
                            .toCompletableFuture());
                }
            }
            join(writes);
            long shared = usedMemory(cli) - before;
            report("message (100-byte payload) queued for 10 sessions", shared, messages);
            System.out.printf("BENCH   MEMORY USAGE perch:out:{fan-0} %d B for %d entries%n",
                    cli.memoryUsage("perch:out:{fan-0}"), messages);
        }
    }

    private Message message() {
        return new Message(ids.next(), "devices/42/telemetry", payload, 1, false, "publisher-1", null,
                System.currentTimeMillis(), 0, PublishProperties.NONE);
    }

    private static Change added(String clientId, long seq, Message m) {
        return new Change.SessionMessageAdded(clientId, seq, m.id(), 1, false, new int[0], null, null);
    }

    private static void write(SessionPersistence store, List<Change> batch) {
        store.write(batch).toCompletableFuture().orTimeout(1, TimeUnit.MINUTES).join();
    }

    private static void join(List<CompletableFuture<Void>> writes) {
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).orTimeout(5, TimeUnit.MINUTES).join();
        writes.clear();
    }

    private static long usedMemory(RedisCommands<String, String> cli) {
        return cli.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).strip())).findFirst().orElseThrow();
    }

    private static void report(String what, long bytes, int count) {
        System.out.printf("BENCH %s: %d B of used_memory for %d, %.0f B each%n", what, bytes, count, (double) bytes / count);
    }
}
