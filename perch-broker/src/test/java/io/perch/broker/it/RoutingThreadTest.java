package io.perch.broker.it;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A message.publish hook that completes on its own thread (as the Redis backend's do, on a
 * pool thread): routing to subscribers resumes on an event loop of the broker, never on it.
 */
class RoutingThreadTest extends BrokerTest {
    private final ExecutorService backendPool = Executors.newSingleThreadExecutor(r -> new Thread(r, "backend-pool"));
    private final List<String> routedOn = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopPool() {
        backendPool.shutdownNow();
    }

    @Test
    void routingNeverRunsOnTheThreadThatCompletedTheHook() throws Exception {
        start(b -> { }, br -> {
            // Completed on the pool a moment later, as a Redis reply would be: never before the hook returns.
            br.hooks().register(HookPoints.MESSAGE_PUBLISH, 100, "backend", (PublishEvent e) ->
                    CompletableFuture.supplyAsync(HookResult::ok,
                            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, backendPool)));
            br.hooks().register(HookPoints.MESSAGE_DELIVERED, 100, "where", (DeliveryEvent e) -> {
                routedOn.add(Thread.currentThread().getName());
                return CompletableFuture.completedFuture(HookResult.ok());
            });
        });
        Inbox inbox = new Inbox();
        clients.v3("sub", inbox).subscribe("t/#", 1);
        Clients.publish(clients.hiveConnected("pub", null), "t/client", "from a client", 1);
        broker.broker().service().publish(broker.broker().service().newMessage("t/api",
                "from the API".getBytes(StandardCharsets.UTF_8), 1, false, "api")).toCompletableFuture().join();

        inbox.await(2);
        await().atMost(Inbox.WAIT).until(() -> routedOn.size() >= 2);
        assertThat(routedOn).noneMatch(t -> t.startsWith("backend-pool"))
                .allMatch(t -> t.startsWith("perch-io"), "routed on a broker event loop");
    }
}
