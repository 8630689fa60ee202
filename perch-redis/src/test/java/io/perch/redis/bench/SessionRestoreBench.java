package io.perch.redis.bench;

import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.SessionPersistence;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * How long {@code restore()} takes for many stored sessions with one subscription each (the
 * broker waits for it before its listeners bind). Not part of the test run (the name does not
 * end in Test); run it with {@code mvn -pl perch-redis -am test -Dtest=SessionRestoreBench
 * -Dsurefire.failIfNoSpecifiedTests=false} and read the line it prints.
 */
class SessionRestoreBench {
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void restoreStoredSessions() {
        int n = Integer.getInteger("bench.sessions", 100_000);
        try (TestRedis redis = TestRedis.start("--appendfsync", "everysec");
             Backend backend = Backend.start(redis, "backend.redis.backlog.max = " + (n * 2))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.plugin.pipeline("pool1").orElseThrow().isUp());
            SessionPersistence store = backend.plugin.stores().persistence();
            long t0 = System.nanoTime();
            CompletableFuture<?>[] writes = new CompletableFuture<?>[n];
            for (int i = 0; i < n; i++) {
                String id = "client-" + i;
                writes[i] = store.write(List.of(new Change.SessionSaved(id, 5, 3600, System.currentTimeMillis()),
                        new Change.SubscriptionAdded(id, "devices/" + i + "/cmd", SubscriptionOptions.ofQos(1))))
                        .toCompletableFuture();
            }
            CompletableFuture.allOf(writes).orTimeout(5, TimeUnit.MINUTES).join();
            long written = System.nanoTime();
            for (int run = 1; run <= 3; run++) {
                long r0 = System.nanoTime();
                List<SessionPersistence.Dormant> all = store.restore().toCompletableFuture().orTimeout(5, TimeUnit.MINUTES).join();
                long r1 = System.nanoTime();
                System.out.printf("BENCH session restore run %d: %d sessions (written in %.0f ms), restored in %.0f ms%n",
                        run, all.size(), (written - t0) / 1e6, (r1 - r0) / 1e6);
            }
        }
    }
}
